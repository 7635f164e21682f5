import { type FileHandle, rename } from "node:fs/promises";
import { ErrorCode, TwError } from "../errors.js";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { defaultLabelsPath, openForWriting, writeFailed } from "./files.js";
import { JsonlEncoder } from "./jsonl-encoder.js";
import type { PackedBatch } from "./jsonl-packed.js";
import type { Sink } from "./types.js";

export interface FileSinkOptions {
  /** JSONL file to write; an existing file is replaced. */
  path: string;
  /** Where labels go; default `<path without extension>.labels.jsonl`, created only when labels arrive. */
  labels_path?: string;
  /** Start a new file once this many bytes were written (the old one is renamed `<path>.<n>`). */
  rotate_bytes?: number;
  /** Start a new file once it has been open this many wall milliseconds. */
  rotate_interval_ms?: number;
}

/**
 * Appends text to a file with at most one write in flight, so the caller prepares the next batch meanwhile.
 * A write that fails in the background is kept and thrown (TW_SINK_FAILED) by the next append or close.
 */
export class TextFile {
  private fh: FileHandle | null = null;
  private pending: Promise<unknown> = Promise.resolve();
  /** The first write that failed; every later append and close throws it. */
  failure: TwError | null = null;
  bytes = 0;
  openedAt = 0;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    this.fh = await openForWriting(this.path);
    this.bytes = 0;
    this.openedAt = Date.now();
  }

  /** Resolves once the previous write is done and this one has started. */
  async append(data: string | Buffer): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.fh === null) await this.open();
    await this.settled();
    const fh = this.fh!;
    this.bytes += typeof data === "string" ? Buffer.byteLength(data) : data.length;
    const write = typeof data === "string" ? fh.write(data) : fh.write(data);
    // A handler now, not when the next call awaits it: a rejection with no handler by then is an
    // unhandledRejection, which ends the process with a stack instead of a message.
    write.catch((cause: unknown) => {
      this.failure ??= writeFailed(this.path, cause);
    });
    this.pending = write;
  }

  /** Waits for the write in flight; throws the first failure. */
  private async settled(): Promise<void> {
    await this.pending.catch(() => {});
    if (this.failure !== null) throw this.failure;
  }

  /** Settles when the write in flight (if any) is done; rejects if it failed. */
  written(): Promise<unknown> {
    return this.pending;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh === null) return;
    try {
      await this.settled();
    } finally {
      await fh.close();
    }
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
    this.labels = new TextFile(opts.labels_path ?? defaultLabelsPath(opts.path));
  }

  /** Where labels go. */
  get labelsPath(): string {
    return this.labels.path;
  }

  /** False once a write failed (the next write or close throws why). */
  get ready(): boolean {
    return this.events.failure === null && this.labels.failure === null;
  }

  async start(): Promise<void> {
    await this.events.open();
  }

  /** Events accepted by write and not yet written to the file; after destroy, those dropped. */
  get backlog(): number {
    return this.unwritten;
  }

  async write(events: readonly TraceEvent[]): Promise<void> {
    this.checkOpen();
    this.encoder.encode(events, this.chunks);
    await this.emit(events.length);
  }

  /** Writes a batch another thread packed (generate's worker): the same bytes as write() of its events. */
  async writePacked(batch: PackedBatch): Promise<void> {
    this.checkOpen();
    this.encoder.encodePacked(batch, this.chunks);
    await this.emit(batch.count);
  }

  private checkOpen(): void {
    if (this.closed) throw new TwError(ErrorCode.SINK_FAILED, `${this.name}: write after close`);
  }

  /** Writes the `n` events just encoded. */
  private async emit(n: number): Promise<void> {
    this.unwritten += n;
    // Each batch reaches the output before write resolves: a live stream must not sit in a buffer.
    this.encoder.flush(this.chunks);
    const chunks = [...this.chunks];
    await this.drain();
    // The batch's last bytes are in flight now; they are delivered once that write is done, and
    // then (each write waits for the one before) the batch's chunks are free to be filled again.
    this.events.written().then(
      () => {
        if (!this.destroyed) this.unwritten -= n;
        this.encoder.recycle(chunks);
      },
      () => {},
    );
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
    const to = `${this.opts.path}.${++this.rotations}`;
    try {
      await rename(this.opts.path, to);
    } catch (cause) {
      // Kept like a failed write: the sink is not ready, and no later write reopens (truncates) the file.
      this.events.failure = writeFailed(to, cause);
      throw this.events.failure;
    }
    await this.events.open();
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    if (labels.length === 0) return;
    let text = "";
    for (const l of labels) text += `${JSON.stringify(l)}\n`;
    await this.labels.append(text);
  }

  async close(): Promise<void> {
    try {
      if (!this.closed) {
        this.closed = true;
        this.encoder.flush(this.chunks);
        await this.drain();
      }
    } finally {
      // Both files are closed even when a write failed; the failure is what close throws.
      try {
        await this.events.close();
      } finally {
        await this.labels.close();
      }
    }
  }

  destroy(): void {
    this.closed = true;
    this.destroyed = true;
    void this.events.close().catch(() => {});
    void this.labels.close().catch(() => {});
  }
}
