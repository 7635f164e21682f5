import { roundSignificant } from "./report.js";

/** A closed cascade window, instants in epoch milliseconds (start <= end). */
export interface ScoreWindow {
  cascade_id: string;
  start: number;
  end: number;
}

/** How a detector did against the windows; every ratio is in [0, 1], null where undefined (0/0). */
export interface ScoreReport {
  windows: number;
  alerts: number;
  /** Windows with at least one alert in [start, end + tolerance]. */
  detected: number;
  /** Alerts inside some window's [start, end + tolerance]. */
  matched: number;
  toleranceMs: number;
  recall: number | null;
  precision: number | null;
  f1: number | null;
  mean_time_to_detect_s: number | null;
  median_time_to_detect_s: number | null;
}

/** The field order of `score --json`: a contract of issue 11. */
export const SCORE_JSON_FIELDS = [
  "windows",
  "alerts",
  "recall",
  "precision",
  "f1",
  "mean_time_to_detect_s",
  "median_time_to_detect_s",
] as const;

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/**
 * The harmonic mean of precision and recall. When one is 0 the mean's limit is 0 whatever the other
 * (a detector that never fires, or whose alerts all miss, scores 0); otherwise an undefined one leaves
 * F1 undefined.
 */
function f1Of(precision: number | null, recall: number | null): number | null {
  if (precision === 0 || recall === 0) return 0;
  if (precision === null || recall === null) return null;
  return (2 * precision * recall) / (precision + recall);
}

function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The index of the first element of `sorted` that is >= x (sorted.length when none is). */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Alerts (sorted) that fall in some window's [start, end + tolerance]; each alert counts once. */
function countMatched(
  alerts: readonly number[],
  windows: readonly ScoreWindow[],
  toleranceMs: number,
): number {
  const byStart = [...windows].sort((a, b) => a.start - b.start);
  let next = 0;
  let reach = Number.NEGATIVE_INFINITY; // the latest end + tolerance of the windows started by now
  let matched = 0;
  for (const t of alerts) {
    while (next < byStart.length && byStart[next]!.start <= t) {
      reach = Math.max(reach, byStart[next]!.end + toleranceMs);
      next++;
    }
    if (t <= reach) matched++;
  }
  return matched;
}

/**
 * Scores alert instants (epoch ms, any order) against closed windows. A window is detected by its
 * first alert in [start, end + tolerance] (both ends included; an alert before start does not count
 * for it), and its time to detect is that alert minus start. Overlapping windows are judged each on
 * its own: one alert may detect several, and counts once for precision.
 */
export function scoreAlerts(
  windows: readonly ScoreWindow[],
  alertTimes: readonly number[],
  toleranceMs: number,
): ScoreReport {
  const alerts = [...alertTimes].sort((a, b) => a - b);
  const delays: number[] = [];
  for (const w of windows) {
    const first = alerts[lowerBound(alerts, w.start)];
    if (first !== undefined && first <= w.end + toleranceMs) delays.push((first - w.start) / 1000);
  }
  delays.sort((a, b) => a - b);
  const matched = countMatched(alerts, windows, toleranceMs);
  const recall = ratio(delays.length, windows.length);
  const precision = ratio(matched, alerts.length);
  return {
    windows: windows.length,
    alerts: alerts.length,
    detected: delays.length,
    matched,
    toleranceMs,
    recall,
    precision,
    f1: f1Of(precision, recall),
    mean_time_to_detect_s: ratio(
      delays.reduce((s, d) => s + d, 0),
      delays.length,
    ),
    median_time_to_detect_s: median(delays),
  };
}

const rounded = (x: number | null) => (x === null ? null : roundSignificant(x));

/** The report as `score --json` prints it: exactly SCORE_JSON_FIELDS, floats to 6 significant digits. */
export function scoreJson(r: ScoreReport): string {
  const out: Record<string, number | null> = {};
  for (const f of SCORE_JSON_FIELDS) out[f] = rounded(r[f]);
  return `${JSON.stringify(out)}\n`;
}

const shown = (x: number | null, digits: number) => (x === null ? "-" : x.toFixed(digits));

/** The report as a short table for people; `-` marks an undefined value. */
export function scoreText(r: ScoreReport): string {
  const rows: [string, string, string][] = [
    ["windows", String(r.windows), `${r.detected} detected`],
    ["alerts", String(r.alerts), `${r.matched} inside a window or its tolerance`],
    ["recall", shown(r.recall, 4), "detected windows / windows"],
    ["precision", shown(r.precision, 4), "matched alerts / alerts"],
    ["f1", shown(r.f1, 4), ""],
    ["time to detect", shown(r.mean_time_to_detect_s, 1), "mean, seconds"],
    ["", shown(r.median_time_to_detect_s, 1), "median, seconds"],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd());
  const t = r.toleranceMs;
  const tolerance = t > 0 && t % 60_000 === 0 ? `${t / 60_000}m` : `${t / 1000}s`;
  return `${[`tolerance ${tolerance} after each window's end`, ...lines].join("\n")}\n`;
}
