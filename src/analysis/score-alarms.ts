import type { ScoreWindow } from "./score.js";

export interface FalseAlarms {
  /** Alerts in no window [start, end + tolerance]. */
  count: number;
  /** Hours of the span that no window (with its tolerance) covers. */
  quietHours: number;
  /** count / quietHours; null when the span has no quiet time. */
  perHour: number | null;
}

/** The time span an alert can be judged in: given, or from the windows and alerts themselves. */
export interface Span {
  start: number;
  end: number;
}

/** Covered milliseconds of [span.start, span.end] by the union of the intervals. */
function covered(intervals: { start: number; end: number }[], span: Span): number {
  const sorted = intervals
    .map((i) => ({ start: Math.max(i.start, span.start), end: Math.min(i.end, span.end) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let from = 0;
  let to = Number.NEGATIVE_INFINITY; // the merged interval [from, to] so far; none yet
  for (const i of sorted) {
    if (i.start > to) {
      if (to > from) total += to - from;
      from = i.start;
      to = i.end;
    } else to = Math.max(to, i.end);
  }
  return to > from ? total + (to - from) : total;
}

/** How many alerts fall inside some interval (both ends included). */
function countInside(alertTimes: readonly number[], intervals: { start: number; end: number }[]): number {
  const alerts = [...alertTimes].sort((a, b) => a - b);
  const byStart = [...intervals].sort((a, b) => a.start - b.start);
  let next = 0;
  let reach = Number.NEGATIVE_INFINITY;
  let inside = 0;
  for (const t of alerts) {
    while (next < byStart.length && byStart[next]!.start <= t) reach = Math.max(reach, byStart[next++]!.end);
    if (t <= reach) inside++;
  }
  return inside;
}

/**
 * False alarms per hour of quiet time: alerts outside every window's [start, end + tolerance], over
 * the hours of `span` that no such window covers — the rate an on-call engineer is woken for nothing.
 * Without a span, the span runs from the first window start or alert to the last window reach or alert.
 */
export function falseAlarms(
  windows: readonly ScoreWindow[],
  alertTimes: readonly number[],
  toleranceMs: number,
  span?: Span,
): FalseAlarms {
  const intervals = windows.map((w) => ({ start: w.start, end: w.end + toleranceMs }));
  const count = alertTimes.length - countInside(alertTimes, intervals);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const t of [...intervals.flatMap((i) => [i.start, i.end]), ...alertTimes]) {
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  const s = span ?? (lo <= hi ? { start: lo, end: hi } : { start: 0, end: 0 });
  const quietMs = Math.max(0, s.end - s.start - covered(intervals, s));
  const quietHours = quietMs / 3_600_000;
  return { count, quietHours, perHour: quietMs > 0 ? count / quietHours : null };
}
