import {
  type CallScore,
  prometheusAlerts,
  prometheusBase,
  type RangeBias,
  type RangeCardinality,
  type Recording,
  readAlerts,
  readFlags,
  readRecording,
  readWindows,
  type ScoreReport,
  type ScoreWindow,
  type Span,
  scoreAlerts,
  scoreCalls,
  scoreJson,
  scoreText,
} from "../../analysis/index.js";
import { parseDuration } from "../../config/duration.js";
import { ErrorCode, TwError } from "../../errors.js";
import { choiceFlag, durationFlag, numberFlag, parseCommandArgs, requiredFlag } from "../args.js";
import type { Command } from "../command.js";

const DEFAULT_TOLERANCE = "2m";
const DEFAULT_STEP = "15s";
const DEFAULT_TIMEOUT = "10s";

const USAGE = [
  "Usage: tracewalk score --labels FILE --alerts FILE|- [--tolerance 2m] [--json]",
  "       tracewalk score --labels FILE --prometheus URL --alert NAME [--step 15s] [--timeout 10s] …",
  "       tracewalk score --events FILE|- --flags FILE|- [--alpha 0] [--bias flat] [--cardinality one] …",
  "",
  "Window detectors: scores alerts (JSONL, one per line, each with an RFC 3339 `timestamp`; other fields",
  'are ignored) against the closed cascade windows of a labels file (records with `state: "closed"` or',
  'no `state`; `state: "open"` records are skipped).',
  "",
  "  recall          windows with an alert in [start, end + tolerance], over all windows",
  "  precision       alerts inside some window or within the tolerance after its end, over all alerts",
  "  f1              harmonic mean of the two (0 if either is 0)",
  "  time to detect  first alert in a window minus its start: mean and median over detected windows,",
  "                  and per window in --json (time_to_detect_s, null where missed)",
  "  nab score       Numenta Anomaly Benchmark, standard profile, 0 = never fires, 100 = perfect",
  "  false alarms/h  alerts in no window or its tolerance, per hour of the time no window covers",
  "",
  "An alert before a window's start does not count for it; overlapping windows are judged each on its",
  "own (one alert may detect several and counts once for precision). Undefined values (0/0: precision",
  "with no alerts, recall with no windows, time to detect with no window detected) print as null in",
  "--json and `-` in text.",
  "",
  'With --prometheus the alerts are the onsets of ALERTS{alertname="NAME",alertstate="firing"} read',
  "through /api/v1/query_range over [first window start - tolerance, last window end + tolerance].",
  "",
  "Per-call detectors: --events is a recording (JSONL, .gz, Parquet, `-`) whose cascade_id is the ground",
  'truth; --flags is JSONL, one {"event_id": …} per flagged call. Prints event-level precision, recall',
  "and F1, and range-based precision and recall (Tatbul et al., NeurIPS 2018) over the calls ordered by",
  "(timestamp, session_id, call_index). With --labels too, the flagged calls' timestamps are the alerts.",
  "",
  "Exit code 0 scored; 2 bad input (unreadable file, malformed line, missing or invalid field, a flag",
  "naming no event, a bad --prometheus URL, an --alert Prometheus has no rule for); 1 Prometheus",
  "unreachable (or answering 5xx) within --timeout.",
  "",
  "Options:",
  "  --labels FILE        cascade label records, e.g. out/x.labels.jsonl",
  "  --alerts FILE|-      the detector's alerts (`-` for stdin)",
  `  --tolerance D        grace after a window's end for late alerts, e.g. 30s, 2m (default ${DEFAULT_TOLERANCE})`,
  "  --prometheus URL     read the alerts from this Prometheus server instead, e.g. http://127.0.0.1:9090",
  "  --alert NAME         the alerting rule whose firing alerts are read",
  `  --step D             query resolution: the rule's evaluation interval (default ${DEFAULT_STEP})`,
  `  --timeout D          bound of each Prometheus request (default ${DEFAULT_TIMEOUT})`,
  "  --events FILE|-      the recording the per-call detector read",
  "  --flags FILE|-       the calls it flagged",
  "  --alpha A            range scores: weight of existence vs overlap, in [0, 1] (default 0)",
  "  --bias B             range scores: flat|front|middle|back, where overlap is worth most (default flat)",
  "  --cardinality C      range scores: one|reciprocal, paying 1/n when n ranges overlap one (default one)",
  "  --json               print one object: windows, alerts, recall, precision, f1, mean_time_to_detect_s,",
  "                       median_time_to_detect_s, event_precision, event_recall, event_f1, range_precision,",
  "                       range_recall, range_f1, nab_score, false_alarms_per_hour (null where not scored),",
  "                       time_to_detect_s",
].join("\n");

const OPTIONS = {
  labels: { type: "string" },
  alerts: { type: "string" },
  tolerance: { type: "string" },
  prometheus: { type: "string" },
  alert: { type: "string" },
  step: { type: "string" },
  timeout: { type: "string" },
  events: { type: "string" },
  flags: { type: "string" },
  alpha: { type: "string" },
  bias: { type: "string" },
  cardinality: { type: "string" },
  json: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

const BIASES: readonly RangeBias[] = ["flat", "front", "middle", "back"];
const CARDINALITIES: readonly RangeCardinality[] = ["one", "reciprocal"];

function bad(message: string): TwError {
  return new TwError(ErrorCode.ARGS_INVALID, message);
}

/** Refuses combinations that cannot be scored, naming the flag. */
function checkCombination(v: Values): void {
  if (v.labels === "-") throw bad("--labels must be a file (--alerts, --events or --flags may read stdin)");
  const stdin = (["alerts", "events", "flags"] as const).filter((k) => v[k] === "-");
  if (stdin.length > 1) throw bad(`only one of --${stdin.join(", --")} can read stdin (-)`);
  if (v.alerts !== undefined && v.prometheus !== undefined) {
    throw bad("--alerts and --prometheus both name the alerts: give one");
  }
  if (v.labels === undefined && (v.alerts !== undefined || v.prometheus !== undefined)) {
    throw bad(
      `--${v.alerts !== undefined ? "alerts" : "prometheus"} needs --labels FILE (the windows to score against)`,
    );
  }
  if (v.prometheus !== undefined) requiredFlag("alert", v.alert, USAGE);
  if (v.alert !== undefined && v.prometheus === undefined) throw bad("--alert needs --prometheus URL");
  if (v.events !== undefined || v.flags !== undefined) {
    requiredFlag("events", v.events, USAGE);
    requiredFlag("flags", v.flags, USAGE);
    return;
  }
  requiredFlag("labels", v.labels, USAGE);
  if (v.prometheus === undefined) requiredFlag("alerts", v.alerts, USAGE);
}

function prometheusTiming(v: Values): { stepMs: number; timeoutMs: number } {
  return {
    stepMs: durationFlag("step", v.step, parseDuration(DEFAULT_STEP), 1),
    timeoutMs: durationFlag("timeout", v.timeout, parseDuration(DEFAULT_TIMEOUT), 1),
  };
}

async function fromPrometheus(v: Values, windows: ScoreWindow[], toleranceMs: number) {
  if (windows.length === 0)
    throw bad(`--labels ${v.labels}: no closed window, so no time span to read alerts over`);
  const span: Span = {
    start: windows.reduce((m, w) => Math.min(m, w.start), Number.POSITIVE_INFINITY) - toleranceMs,
    end: windows.reduce((m, w) => Math.max(m, w.end), Number.NEGATIVE_INFINITY) + toleranceMs,
  };
  const times = await prometheusAlerts({
    url: v.prometheus!,
    alert: v.alert!,
    ...span,
    ...prometheusTiming(v),
  });
  return { times, span };
}

async function scoreWindows(
  v: Values,
  toleranceMs: number,
  recording: Recording | null,
): Promise<ScoreReport> {
  const windows = await readWindows(v.labels!);
  if (v.prometheus !== undefined) {
    const { times, span } = await fromPrometheus(v, windows, toleranceMs);
    return scoreAlerts(windows, times, toleranceMs, span);
  }
  if (v.alerts !== undefined) {
    const span = recording ? { start: recording.start, end: recording.end } : undefined;
    return scoreAlerts(windows, await readAlerts(v.alerts), toleranceMs, span);
  }
  // --events --flags with --labels: the flagged calls are the alerts, over the recording's span.
  const calls = recording!.calls.filter((c) => c.flagged).map((c) => c.time);
  return scoreAlerts(windows, calls, toleranceMs, { start: recording!.start, end: recording!.end });
}

async function readCalls(v: Values): Promise<{ recording: Recording; score: CallScore } | null> {
  if (v.events === undefined) return null;
  const options = {
    alpha: numberFlag("alpha", v.alpha, 0, 0, 1),
    bias: choiceFlag("bias", v.bias, BIASES),
    cardinality: choiceFlag("cardinality", v.cardinality, CARDINALITIES),
  };
  const recording = await readRecording(v.events, await readFlags(v.flags!));
  const real = recording.calls.map((c) => c.anomalous);
  const flagged = recording.calls.map((c) => c.flagged);
  return { recording, score: scoreCalls(real, flagged, options) };
}

/**
 * `tracewalk score`: a detector's alerts against the labelled cascade windows, and per-call flags
 * against the events' own ground truth. Exit 0; 2 bad input; 1 Prometheus unreachable.
 */
export const scoreCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, OPTIONS);
    checkCombination(values);
    const toleranceMs = durationFlag("tolerance", values.tolerance, parseDuration(DEFAULT_TOLERANCE));
    if (values.prometheus !== undefined) prometheusBase(values.prometheus);
    prometheusTiming(values); // flags are checked before any file is read
    const calls = await readCalls(values);
    const windows =
      values.labels === undefined ? null : await scoreWindows(values, toleranceMs, calls?.recording ?? null);
    const result = { windows, calls: calls?.score ?? null };
    process.stdout.write(values.json ? scoreJson(result) : scoreText(result));
    return 0;
  },
};
