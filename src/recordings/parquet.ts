import * as zlib from "node:zlib";
import {
  asyncBufferFromFile,
  type Compressors,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
} from "hyparquet";
import { ErrorCode, type Problem, TwError } from "../errors.js";
import { EVENT_FIELDS, type TraceEvent } from "../event/index.js";

const FIELDS = [...EVENT_FIELDS];
const STRING_FIELDS = new Set([
  "event_id",
  "workflow",
  "user_id",
  "user_type",
  "session_id",
  "endpoint",
  "path",
  "method",
]);
const NUMBER_FIELDS = new Set(["call_index", "status_code", "response_time_ms"]);

// hyparquet decodes snappy itself; zstd comes from node:zlib where this Node has it (>= 22.15).
const zstdDecompress = (zlib as unknown as Record<string, ((b: Uint8Array) => Buffer) | undefined>)
  .zstdDecompressSync;
const COMPRESSORS: Compressors = zstdDecompress === undefined ? {} : { ZSTD: (b) => zstdDecompress(b) };

function invalid(path: string, message: string, problems: Problem[], cause?: unknown): TwError {
  return new TwError(ErrorCode.INPUT_INVALID, `${path}: ${message}`, { problems, cause });
}

async function openParquet(path: string) {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    file = await asyncBufferFromFile(path);
  } catch (cause) {
    throw invalid(
      path,
      "cannot open",
      [{ path, message: String((cause as Error)?.message ?? cause) }],
      cause,
    );
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (cause) {
    throw invalid(
      path,
      "not a Parquet file",
      [{ path, message: String((cause as Error)?.message ?? cause) }],
      cause,
    );
  }
  const names = new Set(metadata.schema.slice(1).map((s) => s.name));
  const missing = FIELDS.filter((f) => !names.has(f));
  if (missing.length > 0) {
    throw invalid(
      path,
      "not an Event v1 Parquet file",
      missing.map((f) => ({ path: `${path}:${f}`, message: "column missing" })),
    );
  }
  return { file, metadata };
}

/** Turns one row (values in EVENT_FIELDS order) into an event, or throws naming the row and field. */
function toEvent(row: unknown[], where: string): TraceEvent {
  const e: Record<string, unknown> = {};
  for (let i = 0; i < FIELDS.length; i++) {
    const name = FIELDS[i]!;
    let v = row[i];
    if (typeof v === "bigint") v = Number(v);
    if (name === "timestamp" && v instanceof Date) v = v.toISOString();
    let ok: boolean;
    if (STRING_FIELDS.has(name) || name === "timestamp") ok = typeof v === "string";
    else if (NUMBER_FIELDS.has(name)) ok = typeof v === "number";
    else if (name === "is_retry") ok = typeof v === "boolean";
    else if (name === "cascade_id") ok = v === null || typeof v === "string";
    else {
      try {
        v = JSON.parse(v as string);
      } catch {
        v = undefined;
      }
      ok = typeof v === "object" && v !== null && !Array.isArray(v);
    }
    if (!ok)
      throw invalid(where, `bad ${name}`, [
        { path: `${where}.${name}`, message: `unexpected value ${String(row[i])}` },
      ]);
    e[name] = v;
  }
  return e as unknown as TraceEvent;
}

/**
 * Yields the events of a Parquet file written by ParquetFileSink, deep-equal to those written, in file
 * order. Reads one row group at a time, so memory is bounded by the largest row group.
 */
export async function* readParquetEvents(path: string): AsyncGenerator<TraceEvent> {
  const { file, metadata } = await openParquet(path);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await parquetRead({
        file,
        metadata,
        rowStart,
        rowEnd,
        columns: FIELDS,
        compressors: COMPRESSORS,
        onComplete: (r) => {
          rows = r;
        },
      });
    } catch (cause) {
      const message = String((cause as Error)?.message ?? cause);
      throw invalid(
        path,
        "cannot read row group",
        [{ path: `${path}:rows ${rowStart}-${rowEnd}`, message }],
        cause,
      );
    }
    for (let i = 0; i < rows.length; i++) yield toEvent(rows[i]!, `${path}:row ${rowStart + i}`);
    rowStart = rowEnd;
  }
}
