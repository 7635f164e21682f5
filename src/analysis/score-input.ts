// What `score` reads: label records (the windows), alerts, the calls of a recording with their ground
// truth, and the ids a per-call detector flagged.
import { ErrorCode, TwError } from "../errors.js";
import { eventRecords, jsonlRecords, type RecordCheck } from "../recordings/index.js";
import type { ScoreWindow } from "./score.js";

/** One call as scoring needs it: where it sits in time order, and what was true of it. */
export interface ScoredCall {
  time: number;
  session: string;
  call: number;
  anomalous: boolean;
  flagged: boolean;
}

export interface Recording {
  /** In (timestamp, session_id, call_index) order. */
  calls: ScoredCall[];
  /** First and last timestamp, epoch ms (0, 0 when there is no call). */
  start: number;
  end: number;
}

function invalid(where: string, message: string): TwError {
  return new TwError(ErrorCode.INPUT_INVALID, `${where}: ${message}`);
}

function object(raw: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid(where, `expected a JSON object (one ${what} per line)`);
  }
  return raw as Record<string, unknown>;
}

function stringField(r: Record<string, unknown>, field: string, where: string): string {
  const v = r[field];
  if (typeof v !== "string" || v === "") {
    throw invalid(where, `field "${field}" ${v === undefined ? "is missing" : "must be a non-empty string"}`);
  }
  return v;
}

const checkFlag: RecordCheck<string> = (raw, where) =>
  stringField(object(raw, where, "flag"), "event_id", where);

interface RawCall {
  id: string;
  time: number;
  session: string;
  call: number;
  anomalous: boolean;
}

const checkCall: RecordCheck<RawCall> = (raw, where) => {
  const r = object(raw, where, "event");
  const time = instant(r, "timestamp", where);
  const call = typeof r.call_index === "bigint" ? Number(r.call_index) : r.call_index;
  if (typeof call !== "number" || !Number.isSafeInteger(call) || call < 0) {
    throw invalid(
      where,
      `field "call_index" ${call === undefined ? "is missing" : "must be an integer >= 0"}`,
    );
  }
  const c = r.cascade_id;
  if (c === undefined)
    throw invalid(where, `field "cascade_id" is missing (the ground truth to score against)`);
  if (c !== null && typeof c !== "string")
    throw invalid(where, `field "cascade_id" must be a string or null`);
  return {
    id: stringField(r, "event_id", where),
    time,
    session: stringField(r, "session_id", where),
    call,
    anomalous: c !== null && c !== "",
  };
};

/** The flagged event ids of a JSONL file (or stdin), each with the line that first named it. */
export async function readFlags(path: string): Promise<Map<string, string>> {
  const flags = new Map<string, string>();
  for await (const { record, where } of jsonlRecords(path, checkFlag)) {
    if (!flags.has(record)) flags.set(record, where); // a flag written twice counts once
  }
  return flags;
}

function byTimeOrder(a: ScoredCall, b: ScoredCall): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.session !== b.session) return a.session < b.session ? -1 : 1;
  return a.call - b.call;
}

/**
 * The sorted calls with each (session, call index) once: a stream read at least once (a Kafka topic
 * dumped after a retry) repeats events, and a call counted twice would lengthen its range.
 */
function withoutRepeats(sorted: ScoredCall[]): ScoredCall[] {
  const out: ScoredCall[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && byTimeOrder(last, c) === 0) continue;
    out.push(c);
  }
  return out;
}

/**
 * The calls of a recording (JSONL, `.gz`, `-`, Parquet) marked with the flags, in time order. A flag
 * that names no event of the recording is an error: the detector read another stream.
 */
export async function readRecording(path: string, flags: Map<string, string>): Promise<Recording> {
  const calls: ScoredCall[] = [];
  const seen = new Set<string>();
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for await (const { record: r } of eventRecords(path, checkCall)) {
    const flagged = flags.has(r.id);
    if (flagged) seen.add(r.id);
    calls.push({ time: r.time, session: r.session, call: r.call, anomalous: r.anomalous, flagged });
    start = Math.min(start, r.time);
    end = Math.max(end, r.time);
  }
  for (const [id, where] of flags) {
    if (!seen.has(id))
      throw invalid(where, `event_id "${id}" is not an event of ${path === "-" ? "stdin" : path}`);
  }
  calls.sort(byTimeOrder);
  return { calls: withoutRepeats(calls), start: calls.length ? start : 0, end: calls.length ? end : 0 };
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
export async function readWindows(path: string): Promise<ScoreWindow[]> {
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

/** The instants of a JSONL file of alerts (or stdin), each with an RFC 3339 `timestamp`. */
export async function readAlerts(path: string): Promise<number[]> {
  const times: number[] = [];
  for await (const { record } of jsonlRecords(path, checkAlert)) times.push(record);
  return times;
}
