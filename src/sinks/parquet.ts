import type { FileHandle } from "node:fs/promises";
import * as zlib from "node:zlib";
import { ByteWriter, type ColumnSource, ParquetWriter, type SchemaElement } from "hyparquet-writer";
import { ErrorCode, TwError } from "../errors.js";
import { type CascadeLabel, EVENT_FIELDS, EVENT_SCHEMA_VERSION, type TraceEvent } from "../event/index.js";
import { defaultLabelsPath, openForWriting } from "./files.js";
import type { Sink } from "./types.js";

export type ParquetCompression = "snappy" | "zstd" | "uncompressed";

export interface ParquetFileSinkOptions {
  /** File to write; an existing file is replaced. */
  path: string;
  /** Where labels go (JSON Lines); default `<path without extension>.labels.jsonl`, created only when labels arrive. */
  labels_path?: string;
  /** Rows per row group, and the most rows the sink holds in memory (default 100_000). */
  row_group_size?: number;
  /** Page compression (default snappy). zstd needs node:zlib's zstd (Node >= 22.15). */
  compression?: ParquetCompression;
}

export const DEFAULT_ROW_GROUP_SIZE = 100_000;

/**
 * The Parquet layout of Event v1: one column per field, in EVENT_FIELDS order. Strings are UTF8;
 * `timestamp` is the same RFC 3339 ms string as in JSONL (cast it in the reader if a TIMESTAMP is
 * wanted); `params` is the JSON text of the object, as JSON.stringify writes it; `cascade_id` is the
 * only nullable column.
 */
const INT32 = new Set(["call_index", "status_code"]);
export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: EVENT_FIELDS.length },
  ...EVENT_FIELDS.map((name): SchemaElement => {
    const repetition_type = name === "cascade_id" ? "OPTIONAL" : "REQUIRED";
    if (INT32.has(name)) return { name, type: "INT32", repetition_type };
    if (name === "response_time_ms") return { name, type: "DOUBLE", repetition_type };
    if (name === "is_retry") return { name, type: "BOOLEAN", repetition_type };
    return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type };
  }),
];

/** A zstd function of node:zlib, which Node 20 lacks (added in 22.15 / 23.8). */
export function zlibZstd(
  fn: "zstdCompressSync" | "zstdDecompressSync",
): ((input: Uint8Array) => Uint8Array) | undefined {
  const f = (zlib as unknown as Record<string, ((b: Uint8Array) => Buffer) | undefined>)[fn];
  return f === undefined ? undefined : (b) => f(b);
}

/** Writes everything appended so far to the file when hyparquet-writer flushes after a row group. */
class FileByteWriter extends ByteWriter {
  constructor(private readonly fh: FileHandle) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let off = 0;
    while (off < bytes.length) off += (await this.fh.write(bytes, off, bytes.length - off)).bytesWritten;
    this.index = 0;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

const STRING_FIELDS = EVENT_FIELDS.filter(
  (f) => f !== "cascade_id" && PARQUET_SCHEMA.find((s) => s.name === f)?.type === "BYTE_ARRAY",
);

/** One row group being filled, column by column. */
class RowGroupBuffer {
  readonly strings: Record<string, string[]> = {};
  readonly cascade: (string | null)[];
  readonly callIndex: Int32Array;
  readonly status: Int32Array;
  readonly latency: Float64Array;
  readonly retry: boolean[];
  length = 0;

  constructor(readonly capacity: number) {
    for (const f of STRING_FIELDS) this.strings[f] = [];
    this.cascade = new Array(capacity);
    this.callIndex = new Int32Array(capacity);
    this.status = new Int32Array(capacity);
    this.latency = new Float64Array(capacity);
    this.retry = new Array(capacity);
  }

  push(e: TraceEvent): void {
    const i = this.length++;
    const s = this.strings;
    s.event_id![i] = e.event_id;
    s.timestamp![i] = e.timestamp;
    s.workflow![i] = e.workflow;
    s.user_id![i] = e.user_id;
    s.user_type![i] = e.user_type;
    s.session_id![i] = e.session_id;
    s.endpoint![i] = e.endpoint;
    s.path![i] = e.path;
    s.method![i] = e.method;
    s.params![i] = JSON.stringify(e.params);
    this.callIndex[i] = e.call_index;
    this.status[i] = e.status_code;
    this.latency[i] = e.response_time_ms;
    this.retry[i] = e.is_retry;
    this.cascade[i] = e.cascade_id;
  }

  /** The filled part as hyparquet-writer columns, in schema order. Arrays are reused after writing. */
  columns(): ColumnSource[] {
    const n = this.length;
    const cut = <T extends { length: number; slice(a: number, b: number): T }>(a: T): T =>
      a.length === n ? a : a.slice(0, n);
    return EVENT_FIELDS.map((name): ColumnSource => {
      if (name === "call_index") return { name, data: cut(this.callIndex) };
      if (name === "status_code") return { name, data: cut(this.status) };
      if (name === "response_time_ms") return { name, data: cut(this.latency) };
      if (name === "is_retry") return { name, data: cut(this.retry) };
      if (name === "cascade_id") return { name, data: cut(this.cascade) };
      // Statistics on the JSON text of params prune nothing and cost time.
      return { name, data: cut(this.strings[name]!), statistics: name !== "params" };
    });
  }
}

/** Writes Event v1 to one Parquet file, one row group at a time; labels go to a JSONL file (`labels_path`). */
export class ParquetFileSink implements Sink {
  readonly name = "parquet";
  readonly path: string;
  readonly labelsPath: string;
  private readonly rowGroupSize: number;
  private readonly codec: "SNAPPY" | "ZSTD" | "UNCOMPRESSED";
  private fh: FileHandle | undefined;
  private writer: ParquetWriter | undefined;
  private buffer: RowGroupBuffer | undefined;
  private labels: FileHandle | undefined;
  private closing: Promise<void> | undefined;
  /** Events accepted by write whose row group is not written yet. */
  private unwritten = 0;

  constructor(options: ParquetFileSinkOptions) {
    this.path = options.path;
    this.labelsPath = options.labels_path ?? defaultLabelsPath(options.path);
    this.rowGroupSize = options.row_group_size ?? DEFAULT_ROW_GROUP_SIZE;
    if (!Number.isInteger(this.rowGroupSize) || this.rowGroupSize < 1) {
      throw new TwError(ErrorCode.CONFIG_INVALID, "invalid Parquet sink options", {
        problems: [
          { path: "row_group_size", message: `must be a positive integer, got ${this.rowGroupSize}` },
        ],
      });
    }
    const compression = options.compression ?? "snappy";
    if (compression === "zstd" && zlibZstd("zstdCompressSync") === undefined) {
      throw new TwError(ErrorCode.CONFIG_INVALID, "invalid Parquet sink options", {
        problems: [{ path: "compression", message: `zstd needs Node >= 22.15 (this is ${process.version})` }],
      });
    }
    this.codec = compression === "zstd" ? "ZSTD" : compression === "uncompressed" ? "UNCOMPRESSED" : "SNAPPY";
  }

  async start(): Promise<void> {
    if (this.fh !== undefined) return;
    this.fh = await openForWriting(this.path);
    const zstd = zlibZstd("zstdCompressSync");
    this.writer = new ParquetWriter({
      writer: new FileByteWriter(this.fh),
      schema: PARQUET_SCHEMA,
      codec: this.codec,
      compressors: zstd === undefined ? {} : { ZSTD: zstd },
      kvMetadata: [{ key: "tracewalk.event_schema_version", value: EVENT_SCHEMA_VERSION }],
      createdBy: "tracewalk",
    });
    this.buffer = new RowGroupBuffer(this.rowGroupSize);
  }

  /**
   * Events accepted by write whose row group is not in the file yet; after destroy, those dropped.
   * (The file is readable once closed, when its footer is written.)
   */
  get backlog(): number {
    return this.unwritten;
  }

  /** Rows of the row group being filled: held by choice until it is full or the sink closes. */
  get held(): number {
    return this.flushing || this.buffer === undefined ? 0 : this.buffer.length;
  }

  private flushing = false;

  async write(events: readonly TraceEvent[]): Promise<void> {
    const buffer = this.open();
    this.unwritten += events.length;
    for (let i = 0; i < events.length; i++) {
      buffer.push(events[i]!);
      if (buffer.length === buffer.capacity) await this.flushRowGroup();
    }
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    this.open();
    if (labels.length === 0) return;
    let text = "";
    for (const l of labels) text += `${JSON.stringify(l)}\n`;
    if (this.labels === undefined) this.labels = await openForWriting(this.labelsPath);
    try {
      await this.labels.writeFile(text);
    } catch (cause) {
      throw this.failed(this.labelsPath, cause);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  destroy(): void {
    this.closing ??= Promise.resolve();
    this.buffer = undefined;
    this.writer = undefined;
    for (const fh of [this.fh, this.labels]) fh?.close().catch(() => {});
    this.fh = undefined;
    this.labels = undefined;
  }

  private open(): RowGroupBuffer {
    if (this.buffer === undefined || this.closing !== undefined) {
      throw new TwError(
        ErrorCode.SINK_FAILED,
        `Parquet sink ${this.path} is not open (start it; do not write after close)`,
      );
    }
    return this.buffer;
  }

  private async flushRowGroup(): Promise<void> {
    const buffer = this.buffer!;
    if (buffer.length === 0) return;
    this.flushing = true;
    try {
      // One row group per call: encoding is synchronous, then the bytes go to the file.
      await this.writer!.write({ columnData: buffer.columns(), rowGroupSize: buffer.length });
    } catch (cause) {
      throw this.failed(this.path, cause);
    } finally {
      this.flushing = false;
    }
    if (this.writer !== undefined) this.unwritten -= buffer.length;
    buffer.length = 0;
  }

  private async finish(): Promise<void> {
    if (this.fh === undefined) return;
    try {
      await this.flushRowGroup();
      await this.writer!.finish();
    } catch (cause) {
      throw cause instanceof TwError ? cause : this.failed(this.path, cause);
    } finally {
      const handles = [this.fh, this.labels];
      this.fh = undefined;
      this.labels = undefined;
      this.buffer = undefined;
      this.writer = undefined;
      await Promise.all(handles.map((fh) => fh?.close()));
    }
  }

  private failed(path: string, cause: unknown): TwError {
    return new TwError(ErrorCode.SINK_FAILED, `writing ${path} failed`, {
      cause,
      problems: [{ path, message: String((cause as Error)?.message ?? cause) }],
    });
  }
}
