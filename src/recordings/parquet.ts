import * as zlib from "node:zlib";
import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type Compressors,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  type RowGroup,
} from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
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

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

type ParquetFile = Awaited<ReturnType<typeof asyncBufferFromFile>>;

/**
 * One row group's bytes (its columns that are read), read once: checked here (checkPages), then
 * served to hyparquet from memory, which would read the same bytes again.
 */
async function readGroup(file: ParquetFile, group: RowGroup): Promise<AsyncBuffer> {
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const { range } of chunksOf(group)) {
    from = Math.min(from, range[0]);
    to = Math.max(to, range[1]);
  }
  if (!(from < to)) return file;
  const bytes = await file.slice(from, to);
  return {
    byteLength: file.byteLength,
    slice: (start, end = file.byteLength) =>
      start >= from && end <= to ? bytes.slice(start - from, end - from) : file.slice(start, end),
  };
}

/** The column chunks of `group` that are read, with their byte ranges in the file (clipped to it). */
function chunksOf(group: RowGroup, byteLength = Number.POSITIVE_INFINITY) {
  const out: { name: string; range: [number, number] }[] = [];
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (meta === undefined || !(FIELDS as readonly string[]).includes(meta.path_in_schema[0]!)) continue;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const size = Number(meta.total_compressed_size);
    if (!isCount(start) || !isCount(size)) continue;
    out.push({ name: meta.path_in_schema.join("."), range: [start, Math.min(start + size, byteLength)] });
  }
  return out;
}

/**
 * Checks the page headers of the columns read in one row group for the one damage hyparquet does not
 * stop at: a version-2 data page whose levels' lengths (or its size) are missing, or larger than the
 * page. hyparquet reads such a page at offset NaN and never returns (a changed byte in a file is
 * enough). Anything else unexpected ends the walk of that chunk, and hyparquet reports it as it reads.
 */
async function checkPages(path: string, file: AsyncBuffer, group: RowGroup): Promise<void> {
  for (const { name, range } of chunksOf(group, file.byteLength)) {
    const [start, end] = range;
    const reader = { view: new DataView(await file.slice(start, end)), offset: 0 };
    while (reader.offset < reader.view.byteLength) {
      const at = start + reader.offset;
      let h: ReturnType<typeof parquetHeader>;
      try {
        h = parquetHeader(reader);
      } catch {
        break;
      }
      const page = h.compressed_page_size;
      const v2 = h.data_page_header_v2;
      if (v2 !== undefined) {
        const def = v2.definition_levels_byte_length;
        const rep = v2.repetition_levels_byte_length;
        if (!isCount(v2.num_values) || !isCount(def) || !isCount(rep) || !isCount(page) || def + rep > page) {
          throw invalid(path, "damaged page", [
            {
              path: `${path}:${name}: byte ${at}`,
              message: "the page's levels lengths are missing or do not fit in it",
            },
          ]);
        }
      }
      if (!isCount(page)) break;
      reader.offset += page;
    }
  }
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
    const bytes = await readGroup(file, group);
    await checkPages(path, bytes, group);
    try {
      await parquetRead({
        file: bytes,
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
