import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { cannotRead, ErrorCode, TwError } from "../errors.js";
import type { PathEvent } from "./sessions.js";
import type { EventSource } from "./verify.js";

const STRING_FIELDS = ["workflow", "user_id", "user_type", "session_id", "endpoint"] as const;

function invalid(where: string, message: string): TwError {
  return new TwError(ErrorCode.INPUT_INVALID, `${where}: ${message}`);
}

/** Checks the fields verify reads and returns them; anything else in the event is ignored. */
export function checkEvent(raw: unknown, where: string): PathEvent {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid(where, "expected a JSON object (one event per line)");
  }
  const r = raw as Record<string, unknown>;
  for (const f of STRING_FIELDS) {
    if (typeof r[f] !== "string")
      throw invalid(where, `field "${f}" ${r[f] === undefined ? "is missing" : "must be a string"}`);
  }
  // Parquet readers hand INT64 columns over as bigint.
  const call = typeof r.call_index === "bigint" ? Number(r.call_index) : r.call_index;
  if (typeof call !== "number" || !Number.isSafeInteger(call) || call < 0) {
    throw invalid(
      where,
      `field "call_index" ${r.call_index === undefined ? "is missing" : "must be an integer >= 0"}`,
    );
  }
  if (typeof r.is_retry !== "boolean") {
    throw invalid(where, `field "is_retry" ${r.is_retry === undefined ? "is missing" : "must be a boolean"}`);
  }
  return {
    workflow: r.workflow as string,
    user_id: r.user_id as string,
    user_type: r.user_type as string,
    session_id: r.session_id as string,
    endpoint: r.endpoint as string,
    call_index: call,
    is_retry: r.is_retry,
  };
}

/** Checks one parsed record and returns what the reader needs; throws a TwError naming `where`. */
export type RecordCheck<T> = (raw: unknown, where: string) => T;

function parseLine<T>(text: string, where: string, check: RecordCheck<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(where, `malformed JSON (${(err as Error).message})`);
  }
  return check(raw, where);
}

async function* jsonLines<T>(input: NodeJS.ReadableStream, name: string, check: RecordCheck<T>) {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      const where = `${name}:${line}`;
      yield { record: parseLine(text, where, check), where };
    }
  } catch (err) {
    if (err instanceof TwError) throw err;
    throw invalid(name, `cannot read (${(err as Error).message})`);
  } finally {
    lines.close();
  }
}

async function* jsonlFile<T>(path: string, check: RecordCheck<T>) {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, cannotRead(path, "input", err), { cause: err });
  }
  const stream = handle.createReadStream({ autoClose: false });
  // A recording kept gzipped (`.gz`) is read as it is, without unpacking it to disk first.
  const gz = path.toLowerCase().endsWith(".gz") ? createGunzip() : undefined;
  if (gz) stream.on("error", (err) => gz.destroy(err));
  try {
    yield* jsonLines(gz ? stream.pipe(gz) : stream, path, check);
  } finally {
    gz?.destroy();
    await handle.close();
  }
}

async function* parquetFile<T>(path: string, check: RecordCheck<T>) {
  const { readParquetEvents } = await import("./parquet-input.js");
  let row = 0;
  try {
    for await (const raw of readParquetEvents(path)) {
      row++;
      const where = `${path}: row ${row}`;
      yield { record: check(raw, where), where };
    }
  } catch (err) {
    if (err instanceof TwError) throw err;
    throw invalid(path, `cannot read Parquet (${(err as Error).message})`);
  }
}

async function* asEvents<T>(records: AsyncIterable<{ record: T; where: string }>) {
  for await (const { record, where } of records) yield { event: record, where };
}

/**
 * The checked records of a JSONL file (gzipped if it ends in `.gz`) or of stdin (`-`), each with its
 * `file:line`; blank lines skipped.
 */
export function jsonlRecords<T>(path: string, check: RecordCheck<T>) {
  return path === "-" ? jsonLines(process.stdin, "stdin", check) : jsonlFile(path, check);
}

/** The checked events of a recording: JSONL (`.gz` too), stdin (`-`), or Parquet (by `.parquet`). */
export function eventRecords<T>(path: string, check: RecordCheck<T>) {
  const parquet = path !== "-" && path.toLowerCase().endsWith(".parquet");
  return parquet ? parquetFile(path, check) : jsonlRecords(path, check);
}

/** Events of a JSONL file (`.gz` too), stdin (`-`), or a Parquet file (by its `.parquet` extension). */
export function eventSource(path: string): EventSource {
  const name = path === "-" ? "stdin" : path;
  return {
    name,
    reopenable: path !== "-",
    open: () => asEvents(eventRecords(path, checkEvent)),
  };
}
