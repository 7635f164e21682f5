// How `score` prints what the scorers found: one JSON object with a fixed key order, or a table.
import { roundSignificant } from "./report.js";
import type { ScoreReport } from "./score.js";
import type { CallScore } from "./score-event.js";

/** What `score` found: window metrics when there were labels, per-call metrics when there were flags. */
export interface ScoreResult {
  windows: ScoreReport | null;
  calls: CallScore | null;
}

/**
 * The field order of `score --json`: issue 11's seven first, then issue 22's. Every key is always
 * there, null where its input was not given or the value is 0/0.
 */
export const SCORE_JSON_FIELDS = [
  "windows",
  "alerts",
  "recall",
  "precision",
  "f1",
  "mean_time_to_detect_s",
  "median_time_to_detect_s",
  "event_precision",
  "event_recall",
  "event_f1",
  "range_precision",
  "range_recall",
  "range_f1",
  "nab_score",
  "false_alarms_per_hour",
] as const;

type Field = (typeof SCORE_JSON_FIELDS)[number];

function fields(r: ScoreResult): Record<Field, number | null> {
  const w = r.windows;
  const c = r.calls;
  return {
    windows: w?.windows ?? null,
    alerts: w?.alerts ?? null,
    recall: w?.recall ?? null,
    precision: w?.precision ?? null,
    f1: w?.f1 ?? null,
    mean_time_to_detect_s: w?.mean_time_to_detect_s ?? null,
    median_time_to_detect_s: w?.median_time_to_detect_s ?? null,
    event_precision: c?.event.precision ?? null,
    event_recall: c?.event.recall ?? null,
    event_f1: c?.event.f1 ?? null,
    range_precision: c?.range.precision ?? null,
    range_recall: c?.range.recall ?? null,
    range_f1: c?.range.f1 ?? null,
    nab_score: w?.nab_score ?? null,
    false_alarms_per_hour: w?.false_alarms_per_hour ?? null,
  };
}

const rounded = (x: number | null) => (x === null ? null : roundSignificant(x));

/**
 * The result as `score --json` prints it: SCORE_JSON_FIELDS in order, floats to 6 significant digits,
 * then `time_to_detect_s`, each window's time to detect by cascade_id (null: missed; {} without labels).
 */
export function scoreJson(r: ScoreResult): string {
  const out: Record<string, unknown> = {};
  const f = fields(r);
  for (const k of SCORE_JSON_FIELDS) out[k] = rounded(f[k]);
  const ttd: Record<string, number | null> = {};
  for (const [id, s] of Object.entries(r.windows?.time_to_detect_s ?? {})) ttd[id] = rounded(s);
  out.time_to_detect_s = ttd;
  return `${JSON.stringify(out)}\n`;
}

const shown = (x: number | null, digits: number) => (x === null ? "-" : x.toFixed(digits));

function windowRows(r: ScoreReport): [string, string, string][] {
  return [
    ["windows", String(r.windows), `${r.detected} detected`],
    ["alerts", String(r.alerts), `${r.matched} inside a window or its tolerance`],
    ["recall", shown(r.recall, 4), "detected windows / windows"],
    ["precision", shown(r.precision, 4), "matched alerts / alerts"],
    ["f1", shown(r.f1, 4), ""],
    ["time to detect", shown(r.mean_time_to_detect_s, 1), "mean, seconds"],
    ["", shown(r.median_time_to_detect_s, 1), "median, seconds"],
    ["nab score", shown(r.nab_score, 2), "NAB standard profile: 0 silent, 100 perfect"],
    [
      "false alarms/h",
      shown(r.false_alarms_per_hour, 3),
      `${r.false_alarms} alerts in no window, per quiet hour`,
    ],
  ];
}

function callRows(c: CallScore): [string, string, string][] {
  const o = c.options;
  return [
    ["events", String(c.events), `${c.event.anomalous} with a cascade_id`],
    ["flags", String(c.event.flagged), `${c.event.hits} on a call with a cascade_id`],
    ["event precision", shown(c.event.precision, 4), "flagged calls in a cascade / flagged calls"],
    ["event recall", shown(c.event.recall, 4), "flagged calls in a cascade / calls in a cascade"],
    ["event f1", shown(c.event.f1, 4), ""],
    [
      "range precision",
      shown(c.range.precision, 4),
      `alpha ${o.alpha}, bias ${o.bias}, cardinality ${o.cardinality}`,
    ],
    ["range recall", shown(c.range.recall, 4), "Tatbul et al. 2018, over calls in time order"],
    ["range f1", shown(c.range.f1, 4), ""],
  ];
}

function tolerance(ms: number): string {
  return ms > 0 && ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** The result as a short table for people; `-` marks an undefined value. */
export function scoreText(r: ScoreResult): string {
  const rows = [...(r.windows ? windowRows(r.windows) : []), ...(r.calls ? callRows(r.calls) : [])];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd());
  const head = r.windows ? [`tolerance ${tolerance(r.windows.toleranceMs)} after each window's end`] : [];
  return `${[...head, ...lines].join("\n")}\n`;
}
