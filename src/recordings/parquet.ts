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
import { decompressPage } from "hyparquet/src/datapage.js";
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getSchemaPath } from "hyparquet/src/schema.js";
import { readVarInt } from "hyparquet/src/thrift.js";
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
  const out: { name: string; range: [number, number]; meta: ChunkMeta }[] = [];
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (meta === undefined || !(FIELDS as readonly string[]).includes(meta.path_in_schema[0]!)) continue;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const size = Number(meta.total_compressed_size);
    if (!isCount(start) || !isCount(size)) continue;
    out.push({
      name: meta.path_in_schema.join("."),
      range: [start, Math.min(start + size, byteLength)],
      meta,
    });
  }
  return out;
}

/** A damaged page: its column, the byte its header starts at, what is wrong. */
function damaged(path: string, where: string, message: string): TwError {
  return invalid(path, "damaged page", [{ path: `${path}:${where}`, message }]);
}

/**
 * Reads the run headers of a run-length/bit-packed hybrid stream from `at` as hyparquet decodes
 * `bound` values from it (like hyparquet, up to the end of the page, not of the stream). Returns what
 * is wrong when a run holds more values than are left, else null. hyparquet writes a run's values into
 * an array of the page's size without bounding the run by it: one changed byte makes a run of ~10^8
 * values, and the array's growth aborts the process (V8's "invalid size error", not an exception) or
 * takes seconds and gigabytes; a bit-packed run of a negative count never ends.
 */
function longRun(view: DataView, at: number, width: number, bound: number, what: string): string | null {
  const reader = { view, offset: at };
  let seen = 0;
  while (seen < bound && reader.offset < view.byteLength) {
    let header: number;
    try {
      header = readVarInt(reader);
    } catch {
      return null; // past the page: hyparquet says so
    }
    if (header & 1) {
      const count = (header >> 1) << 3; // as hyparquet's readBitPacked
      if (count < 0 || count > bound - seen + 7)
        return `${what}: a bit-packed run of ${count} values where ${bound - seen} are left`;
      seen += count;
      reader.offset += (count / 8) * width;
    } else {
      const count = header >>> 1; // as hyparquet's readRle
      if (count > bound - seen) return `${what}: a run of ${count} values where ${bound - seen} are left`;
      seen += count;
      reader.offset += (width + 7) >> 3;
    }
  }
  return null;
}

const bitWidth = (max: number) => 32 - Math.clz32(max);

type PageHeader = ReturnType<typeof parquetHeader>;
type ChunkMeta = NonNullable<RowGroup["columns"][number]["meta_data"]>;

/**
 * The first run too long (longRun) among the streams of one data page that hyparquet decodes as
 * runs: its levels, then its dictionary indices or booleans. `raw`: the page as stored. Null when none
 * is, or when the page cannot be decompressed (hyparquet reports that).
 */
function pageLongRun(
  raw: Uint8Array,
  h: PageHeader,
  meta: ChunkMeta,
  maxRep: number,
  maxDef: number,
): string | null {
  const v1 = h.type === "DATA_PAGE" ? h.data_page_header : undefined;
  const v2 = h.type === "DATA_PAGE_V2" ? h.data_page_header_v2 : undefined;
  const head = v1 ?? v2;
  if (head === undefined) return null;
  const n = head.num_values;
  const dictionary = head.encoding === "PLAIN_DICTIONARY" || head.encoding === "RLE_DICTIONARY";
  try {
    if (v1 !== undefined) {
      // Levels, each after its 4-byte length, then the values, all compressed together.
      const page = decompressPage(raw, Number(h.uncompressed_page_size), meta.codec, COMPRESSORS);
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      let off = 0;
      for (const [max, what] of [
        [maxRep, "repetition levels"],
        [maxDef, "definition levels"],
      ] as const) {
        if (max === 0) continue;
        if (off + 4 > view.byteLength) return null;
        const run = longRun(view, off + 4, bitWidth(max), n, what);
        if (run !== null) return run;
        off += 4 + view.getUint32(off, true);
      }
      if (off >= view.byteLength || !(dictionary || head.encoding === "RLE")) return null;
      // hyparquet reads booleans' runs after a 4-byte length, indices after their bit width.
      if (meta.type === "BOOLEAN")
        return off + 4 <= view.byteLength ? longRun(view, off + 4, 1, n, "values") : null;
      const width = view.getUint8(off);
      return width === 0 ? null : longRun(view, off + 1, width, n, "dictionary indices");
    }
    // Version 2: the levels uncompressed, then the values, compressed or not.
    const rep = v2!.repetition_levels_byte_length;
    const def = v2!.definition_levels_byte_length;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const levels =
      (maxRep > 0 ? longRun(view, 0, bitWidth(maxRep), n, "repetition levels") : null) ??
      (maxDef > 0 ? longRun(view, rep, bitWidth(maxDef), n, "definition levels") : null);
    if (levels !== null) return levels;
    let values = raw.subarray(rep + def);
    if (v2!.is_compressed !== false)
      values = decompressPage(values, Number(h.uncompressed_page_size) - rep - def, meta.codec, COMPRESSORS);
    const vview = new DataView(values.buffer, values.byteOffset, values.byteLength);
    if (head.encoding === "RLE" && vview.byteLength >= 4) return longRun(vview, 4, 1, n, "values");
    // Unlike version 1, hyparquet reads indices of bit width 0 as runs here.
    if (dictionary && vview.byteLength >= 1)
      return longRun(vview, 1, vview.getUint8(0), n, "dictionary indices");
    return null;
  } catch {
    return null; // a page hyparquet cannot decompress or read: it says so
  }
}

/**
 * Checks the pages of the columns read in one row group for the damage hyparquet does not stop at,
 * reading them as hyparquet will (the schema's levels, the column's type, each page's encoding):
 * - a version-2 data page whose levels' lengths (or its size) are missing, or larger than the page:
 *   hyparquet reads it at offset NaN and never returns;
 * - a page of more values than its column chunk (or, for a flat column, its row group) holds;
 * - a run of levels, dictionary indices or booleans longer than the values left in its page
 *   (longRun).
 * One changed byte in a file is enough for any of them (pyarrow's version-1 pages and tracewalk's
 * version-2 pages were swept byte by byte). Anything else unexpected ends the walk of that chunk, and
 * hyparquet reports it as it reads.
 */
async function checkPages(
  path: string,
  file: AsyncBuffer,
  metadata: FileMetaData,
  group: RowGroup,
): Promise<void> {
  const rows = Number(group.num_rows);
  for (const { name, range, meta } of chunksOf(group, file.byteLength)) {
    const [start, end] = range;
    let schemaPath: ReturnType<typeof getSchemaPath>;
    try {
      schemaPath = getSchemaPath(metadata.schema, meta.path_in_schema);
    } catch {
      continue; // hyparquet reports it
    }
    const maxRep = getMaxRepetitionLevel(schemaPath);
    const maxDef = getMaxDefinitionLevel(schemaPath);
    const limit = maxRep === 0 ? Math.min(Number(meta.num_values), rows) : Number(meta.num_values);
    const buf = await file.slice(start, end);
    const reader = { view: new DataView(buf), offset: 0 };
    let values = 0;
    // hyparquet stops reading a flat column's pages once they hold the row group's rows.
    while (reader.offset < reader.view.byteLength && !(maxRep === 0 && values >= rows)) {
      const where = `${name}: byte ${start + reader.offset}`;
      let h: PageHeader;
      try {
        h = parquetHeader(reader);
      } catch {
        break;
      }
      const page = h.compressed_page_size;
      const v2 = h.type === "DATA_PAGE_V2" ? h.data_page_header_v2 : undefined;
      if (v2 !== undefined) {
        const def = v2.definition_levels_byte_length;
        const rep = v2.repetition_levels_byte_length;
        if (!isCount(v2.num_values) || !isCount(def) || !isCount(rep) || !isCount(page) || def + rep > page)
          throw damaged(path, where, "the page's levels lengths are missing or do not fit in it");
      }
      if (!isCount(page) || reader.offset + page > reader.view.byteLength) break;
      const raw = new Uint8Array(buf, reader.offset, page);
      reader.offset += page;
      const n = (h.type === "DATA_PAGE" ? h.data_page_header : v2)?.num_values;
      if (!isCount(n)) continue;
      if (isCount(limit) && n > limit)
        throw damaged(path, where, `a page of ${n} values in a column chunk of ${limit}`);
      values += n;
      const run = pageLongRun(raw, h, meta, maxRep, maxDef);
      if (run !== null) throw damaged(path, where, run);
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
    await checkPages(path, bytes, metadata, group);
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
