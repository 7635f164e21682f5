import { falseAlarms, type Span } from "./score-alarms.js";
import { f1Of, lowerBound, ratio } from "./score-math.js";
import { nabScore } from "./score-nab.js";

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
  /** Each window's time to detect in seconds by cascade_id, null where it was missed. */
  time_to_detect_s: Record<string, number | null>;
  /** NAB score, standard profile, normalised: 0 for silence, 100 perfect; null without windows. */
  nab_score: number | null;
  /** Alerts in no window or its tolerance. */
  false_alarms: number;
  false_alarms_per_hour: number | null;
}

function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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
  span?: Span,
): ScoreReport {
  const alerts = [...alertTimes].sort((a, b) => a - b);
  const delays: number[] = [];
  const byWindow: Record<string, number | null> = {};
  for (const w of windows) {
    const first = alerts[lowerBound(alerts, w.start)];
    const found = first !== undefined && first <= w.end + toleranceMs;
    byWindow[w.cascade_id] = found ? (first - w.start) / 1000 : null;
    if (found) delays.push((first - w.start) / 1000);
  }
  delays.sort((a, b) => a - b);
  const alarms = falseAlarms(windows, alerts, toleranceMs, span);
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
    time_to_detect_s: byWindow,
    nab_score: nabScore(windows, alerts, toleranceMs).normalized,
    false_alarms: alarms.count,
    false_alarms_per_hour: alarms.perHour,
  };
}
