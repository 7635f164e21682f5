import { ErrorCode, TwError } from "../../errors.js";
import {
  type ByteRange,
  eachLineBytes,
  formatByName,
  formatOfLine,
  Interner,
  inputName,
  isBlankBytes,
  LogLineScanner,
  openChunks,
  PathParams,
  parseLogLine,
  RECORDING_FORMATS,
  type RecordingFormat,
  sessionKey,
  type Templater,
} from "../../recordings/index.js";
import type { SessionKeys } from "./keys.js";
import type { FitCall } from "./learner.js";
import { EventScanner } from "./scan.js";

export type FitFormat = RecordingFormat;
export const FIT_FORMATS = RECORDING_FORMATS;

/** Lines or rows that were not used, and a few of them to show. */
export interface InputTally {
  lines: number;
  malformed: number;
  /** Well-formed log lines that are no call (a HEAD request, a junk request line). */
  skipped: number;
  examples: string[];
}

export interface ReadOptions {
  format: FitFormat | undefined;
  strict: boolean;
  templater: Templater;
  /** The learner's session keys: every input of one fit shares them. */
  keys: SessionKeys;
}

/** A line that is not what its format requires; the message says why (without the location). */
class Malformed extends Error {}

// Addresses and user agents are as many as the clients: holding one copy of each would grow with the log.
class NoInterner extends Interner {
  override of(s: string): string {
    return s;
  }
}

function invalid(where: string, message: string): TwError {
  return new TwError(ErrorCode.INPUT_INVALID, `${where}: ${message}`);
}

function str(r: Record<string, unknown>, f: string): string {
  const v = r[f];
  if (typeof v !== "string")
    throw new Malformed(`field "${f}" ${v === undefined ? "is missing" : "must be a string"}`);
  return v;
}

function num(r: Record<string, unknown>, f: string): number {
  const v = typeof r[f] === "bigint" ? Number(r[f]) : r[f];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Malformed(`field "${f}" ${v === undefined ? "is missing" : "must be a number"}`);
  }
  return v;
}

/** An Event v1 record (parsed JSON or a Parquet row) as a call; throws Malformed naming the bad field. */
export function eventCall(raw: unknown, paths: PathParams, keys: SessionKeys): FitCall {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Malformed("expected a JSON object");
  const r = raw as Record<string, unknown>;
  const endpoint = str(r, "endpoint");
  const ts = str(r, "timestamp");
  const at = Date.parse(ts);
  if (Number.isNaN(at)) throw new Malformed(`field "timestamp" is no RFC 3339 time: ${JSON.stringify(ts)}`);
  if (typeof r.is_retry !== "boolean") throw new Malformed('field "is_retry" must be a boolean');
  const params: Record<string, string | number> = {
    ...(r.params as Record<string, string | number> | undefined),
  };
  if (typeof r.path === "string") Object.assign(params, paths.of(endpoint, r.path));
  return {
    key: keys.of(str(r, "session_id")),
    endpoint,
    method: str(r, "method"),
    status: num(r, "status_code"),
    latencyMs: num(r, "response_time_ms"),
    at,
    callIndex: num(r, "call_index"),
    isRetry: r.is_retry,
    userType: typeof r.user_type === "string" ? r.user_type : undefined,
    params,
    slot: undefined,
  };
}

function jsonCall(text: string, paths: PathParams, keys: SessionKeys): FitCall {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Malformed(`malformed JSON (${(err as Error).message})`);
  }
  return eventCall(raw, paths, keys);
}

function logCall(
  b: Buffer,
  start: number,
  end: number,
  where: () => string,
  o: { templater: Templater; strings: Interner; scanner: LogLineScanner },
): FitCall | null {
  let got = o.scanner.scan(b, start, end);
  if (got === undefined) {
    try {
      got = parseLogLine(b.toString("utf8", start, end), where(), o.strings);
    } catch (err) {
      throw new Malformed((err as TwError).problems[0]?.message ?? (err as Error).message);
    }
  }
  if (got === null) return null;
  const { call } = got;
  const t = o.templater.template(call.path);
  return {
    key: sessionKey(got),
    endpoint: t.endpoint,
    method: call.method,
    status: call.status,
    latencyMs: call.latencyMs,
    at: call.at,
    callIndex: -1,
    isRetry: false,
    userType: undefined,
    params: { ...call.params, ...t.params },
    slot: undefined,
  };
}

/** A part of a file read apart (fit's halves): its bytes and the lines before it. */
export interface FilePart {
  range: ByteRange;
  firstLine: number;
}

async function lineCalls(
  path: string,
  o: ReadOptions,
  tally: InputTally,
  onCall: (c: FitCall) => void,
  part?: FilePart,
): Promise<number> {
  const name = inputName(path);
  const { chunks, close } = await openChunks(path, part?.range);
  const paths = new PathParams();
  const scanner = new EventScanner(o.keys);
  const strings = new NoInterner();
  const log = { templater: o.templater, strings, scanner: new LogLineScanner(strings) };
  let format: FitFormat | undefined;
  // Lines stay bytes: only a line the scanner cannot read (or a log line) is decoded.
  const onLine = (b: Buffer, start: number, end: number, line: number) => {
    if (isBlankBytes(b, start, end)) return;
    format ??= formatByName(path, o.format) ?? formatOfLine(b.toString("utf8", start, end));
    tally.lines++;
    try {
      const call =
        format === "jsonl"
          ? (scanner.scan(b, start, end) ?? jsonCall(b.toString("utf8", start, end), paths, o.keys))
          : logCall(b, start, end, () => `${name}:${line}`, log);
      if (call === null) tally.skipped++;
      else onCall(call);
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      malformed(`${name}:${line}`, err.message, o, tally);
    }
  };
  // Once the input is known to be Event v1, a line the scanner reads whole, its end included, is
  // one call; any other goes through onLine.
  const whole = (b: Buffer, start: number, limit: number) => {
    if (format !== "jsonl") return -1;
    const nl = scanner.scanLine(b, start, limit);
    if (nl < 0) return -1;
    tally.lines++;
    onCall(scanner.call);
    return nl;
  };
  try {
    return await eachLineBytes(chunks, onLine, whole, part?.firstLine);
  } catch (err) {
    if (err instanceof TwError) throw err;
    throw invalid(name, `cannot read (${(err as Error).message})`);
  } finally {
    close();
  }
}

function malformed(where: string, message: string, o: ReadOptions, tally: InputTally): void {
  if (o.strict) throw invalid(where, message);
  tally.malformed++;
  if (tally.examples.length < 5) tally.examples.push(`${where}: ${message}`);
}

async function parquetCalls(
  path: string,
  o: ReadOptions,
  tally: InputTally,
  onCall: (c: FitCall) => void,
): Promise<number> {
  const { readParquetEvents } = await import("../../recordings/parquet.js");
  const paths = new PathParams();
  let row = 0;
  for await (const raw of readParquetEvents(path)) {
    row++;
    tally.lines++;
    try {
      onCall(eventCall(raw, paths, o.keys));
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      malformed(`${path}: row ${row}`, err.message, o, tally);
    }
  }
  return row;
}

/**
 * Hands each call of one input (a file or `-`) to `onCall` in file order; malformed lines counted in
 * `tally` or, strict, thrown. A call is valid only during `onCall` (the byte scanner reuses its own).
 * `part` reads a part of a regular file of lines (numbered after `part.firstLine`). Returns the number
 * of the last line read (rows, for Parquet).
 */
export async function readCalls(
  path: string,
  o: ReadOptions,
  tally: InputTally,
  onCall: (c: FitCall) => void,
  part?: FilePart,
): Promise<number> {
  if (formatByName(path, o.format) !== "parquet") return lineCalls(path, o, tally, onCall, part);
  if (part !== undefined) throw new Error(`${path}: a Parquet file is read whole`);
  return parquetCalls(path, o, tally, onCall);
}
