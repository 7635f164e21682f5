// The Numenta Anomaly Benchmark score (Lavin & Ahmad, "Evaluating Real-time Anomaly Detection
// Algorithms — the Numenta Anomaly Benchmark", IEEE ICMLA 2015), standard profile, normalised so that
// a detector that never fires scores 0 and one that fires at the very start of every window 100.
// NAB scores rows of a series; here alerts are instants, so a position in a window is a fraction of
// its duration where NAB counts rows.
import type { ScoreWindow } from "./score.js";
import { lowerBound } from "./score-math.js";

/** The standard profile's weights (NAB's config/profiles.json). */
export const NAB_STANDARD = { tp: 1, fp: 0.11, fn: 1 } as const;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** NAB's scaled sigmoid: 1 → −1 as the relative position goes from −∞ past 0; −1 beyond 3. */
export function scaledSigmoid(position: number): number {
  return position > 3 ? -1 : 2 * sigmoid(-5 * position) - 1;
}

const MAX_TP = scaledSigmoid(-1);

export interface NabScore {
  /** Σ TP rewards + Σ FP penalties − misses · fn weight. */
  raw: number;
  /** 100 · (raw − null) / (perfect − null); null without windows. Below 0: worse than silence. */
  normalized: number | null;
}

interface Span {
  start: number;
  reach: number;
}

/** The window whose reach ended last before `t` (binary search over spans sorted by reach). */
function previous(byReach: readonly Span[], t: number): Span | undefined {
  let lo = 0;
  let hi = byReach.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byReach[mid]!.reach < t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : byReach[lo - 1];
}

/** The penalty of an alert in no window: by how far it lies past the previous window, as NAB. */
function falsePositive(byReach: readonly Span[], t: number): number {
  const prev = previous(byReach, t);
  if (!prev) return -NAB_STANDARD.fp; // no window before it: as far away as can be
  const width = prev.reach - prev.start;
  const position = width > 0 ? (t - prev.reach) / width : Number.POSITIVE_INFINITY;
  return scaledSigmoid(position) * NAB_STANDARD.fp;
}

/**
 * Scores alert instants against windows [start, end + tolerance]: each window earns the reward of its
 * first alert (earlier is worth more; later alerts in it earn nothing and cost nothing), a missed
 * window costs the fn weight, and an alert in no window costs the fp weight scaled by how far it lies
 * past the previous window. Overlapping windows are judged each on its own, as recall is.
 */
export function nabScore(
  windows: readonly ScoreWindow[],
  alertTimes: readonly number[],
  toleranceMs: number,
): NabScore {
  const alerts = [...alertTimes].sort((a, b) => a - b);
  // In time order, so that the sum (and its last bits) does not depend on the order of the labels.
  const spans = windows
    .map((w) => ({ start: w.start, reach: w.end + toleranceMs }))
    .sort((a, b) => a.start - b.start || a.reach - b.reach);
  let raw = 0;
  for (const s of spans) {
    const first = alerts[lowerBound(alerts, s.start)];
    if (first === undefined || first > s.reach) {
      raw -= NAB_STANDARD.fn;
      continue;
    }
    const width = s.reach - s.start;
    const position = width > 0 ? -(s.reach - first) / width : -1;
    raw += (scaledSigmoid(position) / MAX_TP) * NAB_STANDARD.tp;
  }
  const byReach = [...spans].sort((a, b) => a.reach - b.reach);
  const byStart = spans;
  let next = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const t of alerts) {
    while (next < byStart.length && byStart[next]!.start <= t)
      reach = Math.max(reach, byStart[next++]!.reach);
    if (t > reach) raw += falsePositive(byReach, t);
  }
  const perfect = windows.length * NAB_STANDARD.tp;
  const none = -windows.length * NAB_STANDARD.fn;
  return { raw, normalized: windows.length === 0 ? null : (100 * (raw - none)) / (perfect - none) };
}
