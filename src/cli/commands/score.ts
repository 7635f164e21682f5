import {
  jsonlRecords,
  type RecordCheck,
  type ScoreWindow,
  scoreAlerts,
  scoreJson,
  scoreText,
} from "../../analysis/index.js";
import { parseDuration } from "../../config/duration.js";
import { ErrorCode, TwError } from "../../errors.js";
import { parseCommandArgs, requiredFlag } from "../args.js";
import type { Command } from "../command.js";

const DEFAULT_TOLERANCE = "2m";

const USAGE = [
  "Usage: tracewalk score --labels FILE --alerts FILE|- [--tolerance 2m] [--json]",
  "",
  "Scores a detector's alerts (JSONL, one per line, each with an RFC 3339 `timestamp`; other fields are",
  'ignored) against the closed cascade windows of a labels file (records with `state: "closed"` or no',
  '`state`; `state: "open"` records are skipped).',
  "",
  "  recall          windows with an alert in [start, end + tolerance], over all windows",
  "  precision       alerts inside some window or within the tolerance after its end, over all alerts",
  "  f1              harmonic mean of the two (0 if either is 0)",
  "  time to detect  first alert in a window minus its start: mean and median over detected windows",
  "",
  "An alert before a window's start does not count for it; overlapping windows are judged each on its",
  "own (one alert may detect several and counts once for precision). Undefined values (0/0: precision",
  "with no alerts, recall with no windows, time to detect with no window detected) print as null in",
  "--json and `-` in text.",
  "",
  "Exit code 0 scored; 2 bad input (unreadable file, malformed line, missing or invalid field).",
  "",
  "Options:",
  "  --labels FILE      cascade label records, e.g. out/x.labels.jsonl",
  "  --alerts FILE|-    the detector's alerts (`-` for stdin)",
  `  --tolerance D      grace after a window's end for late alerts, e.g. 30s, 2m (default ${DEFAULT_TOLERANCE})`,
  "  --json             print {windows, alerts, recall, precision, f1, mean_time_to_detect_s,",
  "                     median_time_to_detect_s}",
].join("\n");

const OPTIONS = {
  labels: { type: "string" },
  alerts: { type: "string" },
  tolerance: { type: "string" },
  json: { type: "boolean" },
} as const;

function tolerance(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new TwError(ErrorCode.ARGS_INVALID, `--tolerance: ${(err as Error).message}`);
  }
}

function invalid(where: string, message: string): TwError {
  return new TwError(ErrorCode.INPUT_INVALID, `${where}: ${message}`);
}

// RFC 3339 date-time; Date.parse alone would also take "Jan 1 2026" or roll Feb 30 over to March.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function instant(r: Record<string, unknown>, field: string, where: string): number {
  const v = r[field];
  if (v === undefined) throw invalid(where, `field "${field}" is missing`);
  const m = typeof v === "string" ? RFC3339.exec(v) : null;
  const ms = m ? Date.parse(v as string) : Number.NaN;
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate() : 0;
  if (!m || !Number.isFinite(ms) || day !== Number(m[3])) {
    throw invalid(where, `field "${field}" must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z`);
  }
  return ms;
}

function object(raw: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid(where, `expected a JSON object (one ${what} per line)`);
  }
  return raw as Record<string, unknown>;
}

const checkAlert: RecordCheck<number> = (raw, where) =>
  instant(object(raw, where, "alert"), "timestamp", where);

/** A closed window, or null for a record of a window that is still open. */
const checkLabel: RecordCheck<ScoreWindow | null> = (raw, where) => {
  const r = object(raw, where, "label record");
  if (r.state !== undefined && r.state !== "open" && r.state !== "closed") {
    throw invalid(where, `field "state" must be "open" or "closed"`);
  }
  if (r.state === "open") return null;
  if (typeof r.cascade_id !== "string" || r.cascade_id === "") {
    throw invalid(
      where,
      `field "cascade_id" ${r.cascade_id === undefined ? "is missing" : "must be a non-empty string"}`,
    );
  }
  const start = instant(r, "start", where);
  const end = instant(r, "end", where);
  if (end < start) throw invalid(where, `field "end" is before "start"`);
  return { cascade_id: r.cascade_id, start, end };
};

/**
 * The closed windows of a labels file. A window written twice with the same instants (a stream read
 * at least once) counts once; the same cascade_id with other instants is an error.
 */
async function readWindows(path: string): Promise<ScoreWindow[]> {
  const seen = new Map<string, { window: ScoreWindow; where: string }>();
  for await (const { record, where } of jsonlRecords(path, checkLabel)) {
    if (record === null) continue;
    const before = seen.get(record.cascade_id);
    if (!before) seen.set(record.cascade_id, { window: record, where });
    else if (before.window.start !== record.start || before.window.end !== record.end) {
      throw invalid(
        where,
        `cascade_id "${record.cascade_id}" closes again with other instants (see ${before.where})`,
      );
    }
  }
  return [...seen.values()].map((s) => s.window);
}

async function readAlerts(path: string): Promise<number[]> {
  const times: number[] = [];
  for await (const { record } of jsonlRecords(path, checkAlert)) times.push(record);
  return times;
}

/** `tracewalk score`: a detector's alerts against the labelled cascade windows. Exit 0, or 2 on bad input. */
export const scoreCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, OPTIONS);
    const labels = requiredFlag("labels", values.labels, USAGE);
    const alerts = requiredFlag("alerts", values.alerts, USAGE);
    if (labels === "-")
      throw new TwError(ErrorCode.ARGS_INVALID, "--labels must be a file (only --alerts reads stdin)");
    const toleranceMs = tolerance(values.tolerance ?? DEFAULT_TOLERANCE);
    const report = scoreAlerts(await readWindows(labels), await readAlerts(alerts), toleranceMs);
    process.stdout.write(values.json ? scoreJson(report) : scoreText(report));
    return 0;
  },
};
