import { type FileHandle, mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { ErrorCode, TwError } from "../errors.js";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { JsonlEncoder } from "./jsonl.js";
import type { Sink } from "./types.js";

export interface FileSinkOptions {
  /** JSONL file to write; an existing file is replaced. */
  path: string;
  /** Where labels go; default `<path without .jsonl>.labels.jsonl`, created only when labels arrive. */
  labels_path?: string;
  /** Start a new file once this many bytes were written (the old one is renamed `<path>.<n>`). */
  rotate_bytes?: number;
  /** Start a new file once it has been open this many wall milliseconds. */
  rotate_interval_ms?: number;
}

/** `out/events.jsonl` -> `out/events.labels.jsonl`. */
export function jsonlLabelsPath(path: string): string {
  return `${path.endsWith(".jsonl") ? path.slice(0, -".jsonl".length) : path}.labels.jsonl`;
}

/** Appends text to a file with at most one write in flight, so the caller prepares the next batch meanwhile. */
class TextFile {
  private fh: FileHandle | null = null;
  private pending: Promise<unknown> = Promise.resolve();
  bytes = 0;
  openedAt = 0;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.fh = await open(this.path, "w");
    this.bytes = 0;
    this.openedAt = Date.now();
  }

  /** Resolves once the previous write is done and this one has started. */
  async append(data: string | Buffer): Promise<void> {
    if (this.fh === null) await this.open();
    await this.pending;
    const fh = this.fh!;
    this.bytes += typeof data === "string" ? Buffer.byteLength(data) : data.length;
    this.pending = typeof data === "string" ? fh.write(data) : fh.write(data);
  }

  /** Settles when the write in flight (if any) is done; rejects if it failed. */
  written(): Promise<unknown> {
    return this.pending;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh === null) return;
    await this.pending;
    await fh.close();
  }
}

/** Events as JSON Lines to a file, with optional rotation by size; labels to a sibling file. */
export class FileSink implements Sink {
  readonly name: string;
  private readonly events: TextFile;
  private readonly labels: TextFile;
  private readonly encoder = new JsonlEncoder();
  private readonly chunks: Buffer[] = [];
  private rotations = 0;
  private closed = false;
  private destroyed = false;
  /** Events accepted by write whose bytes are not written yet. */
  private unwritten = 0;

  constructor(private readonly opts: FileSinkOptions) {
    this.name = `file:${opts.path}`;
    this.events = new TextFile(opts.path);
    this.labels = new TextFile(opts.labels_path ?? jsonlLabelsPath(opts.path));
  }

  async start(): Promise<void> {
    try {
      await this.events.open();
    } catch (err) {
      throw new TwError(
        ErrorCode.SINK_UNAVAILABLE,
        `cannot open ${this.opts.path}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** Events accepted by write and not yet written to the file; after destroy, those dropped. */
  get backlog(): number {
    return this.unwritten;
  }

  async write(events: readonly TraceEvent[]): Promise<void> {
    if (this.closed) throw new TwError(ErrorCode.SINK_FAILED, `${this.name}: write after close`);
    const n = events.length;
    this.unwritten += n;
    // Each batch reaches the output before write resolves: a live stream must not sit in a buffer.
    this.encoder.encode(events, this.chunks);
    this.encoder.flush(this.chunks);
    await this.drain();
    // The batch's last bytes are in flight now; they are delivered once that write is done.
    this.events.written().then(
      () => {
        if (!this.destroyed) this.unwritten -= n;
      },
      () => {},
    );
  }

  /**
   * Writes bytes that are already JSON Lines (a parallel merge made them), with write's backpressure.
   * The last chunk may still be in flight: leave the chunks untouched until the next call or close resolves.
   */
  async writeRaw(chunks: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new TwError(ErrorCode.SINK_FAILED, `${this.name}: write after close`);
    this.chunks.push(...chunks);
    await this.drain();
  }

  private async drain(): Promise<void> {
    // After destroy nothing more is written (an append would reopen, and so truncate, the file).
    for (let c = this.chunks.shift(); c !== undefined && !this.destroyed; c = this.chunks.shift()) {
      await this.events.append(c);
      if (this.rotationDue()) await this.rotate();
    }
  }

  private rotationDue(): boolean {
    const { rotate_bytes: bytes, rotate_interval_ms: interval } = this.opts;
    if (bytes !== undefined && this.events.bytes >= bytes) return true;
    return interval !== undefined && Date.now() - this.events.openedAt >= interval;
  }

  private async rotate(): Promise<void> {
    await this.events.close();
    await rename(this.opts.path, `${this.opts.path}.${++this.rotations}`);
    await this.events.open();
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    if (labels.length === 0) return;
    let text = "";
    for (const l of labels) text += `${JSON.stringify(l)}\n`;
    await this.labels.append(text);
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.encoder.flush(this.chunks);
      await this.drain();
    }
    await this.events.close();
    await this.labels.close();
  }

  destroy(): void {
    this.closed = true;
    this.destroyed = true;
    void this.events.close().catch(() => {});
    void this.labels.close().catch(() => {});
  }
}
