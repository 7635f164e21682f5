import { once } from "node:events";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { TextFile } from "./file.js";
import { JsonlEncoder } from "./jsonl-encoder.js";
import type { PackedBatch } from "./jsonl-packed.js";
import type { Sink } from "./types.js";

/** Thrown by StdoutSink once the reader has gone away (`tracewalk generate --out - | head`). */
export class OutputClosed extends Error {
  constructor() {
    super("standard output was closed by the reader");
  }
}

export interface StdoutSinkOptions {
  /** Where labels go (JSON Lines), created only when labels arrive; absent: labels are not written. */
  labels_path?: string;
}

/**
 * Events as JSON Lines to standard output, waiting for `drain` when the pipe is full. Labels go to
 * `labels_path` when given: never to standard output, where a detector under test would read them.
 */
export class StdoutSink implements Sink {
  readonly name = "stdout";
  private readonly labels: TextFile | null;
  private readonly encoder = new JsonlEncoder();
  private readonly chunks: Buffer[] = [];
  private gone = false;
  private failure: Error | null = null;
  /** Events of the write in progress, which waits for the pipe. */
  private pending = 0;
  private readonly onError = (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") this.gone = true;
    else this.failure = err;
  };

  private check(): void {
    if (this.gone) throw new OutputClosed();
    if (this.failure) throw this.failure;
  }

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    opts: StdoutSinkOptions = {},
  ) {
    this.labels = opts.labels_path === undefined ? null : new TextFile(opts.labels_path);
  }

  /** Where labels go; null when they are not written. */
  get labelsPath(): string | null {
    return this.labels?.path ?? null;
  }

  async start(): Promise<void> {
    this.out.on("error", this.onError);
  }

  /** Events of a write still waiting for the reader (a full pipe); after destroy, those dropped. */
  get backlog(): number {
    return this.pending;
  }

  async write(events: readonly TraceEvent[]): Promise<void> {
    this.check();
    this.encoder.encode(events, this.chunks);
    await this.emit(events.length);
  }

  /** Writes a batch another thread packed (generate's worker): the same bytes as write() of its events. */
  async writePacked(batch: PackedBatch): Promise<void> {
    this.check();
    this.encoder.encodePacked(batch, this.chunks);
    await this.emit(batch.count);
  }

  /** Writes the `n` events just encoded. */
  private async emit(n: number): Promise<void> {
    this.pending += n;
    // Each batch reaches the output before write resolves: a live stream must not sit in a buffer.
    this.encoder.flush(this.chunks);
    await this.drain();
    this.pending -= n;
  }

  private async drain(): Promise<void> {
    for (let c = this.chunks.shift(); c !== undefined; c = this.chunks.shift()) {
      if (!this.out.write(c)) {
        // events.once rejects when the stream emits 'error' while we wait; onError has recorded it.
        // The abort removes the loser's listeners, which piled up on every full pipe before.
        const waits = new AbortController();
        const { signal } = waits;
        await Promise.race([once(this.out, "drain", { signal }), once(this.out, "close", { signal })]).catch(
          () => {},
        );
        waits.abort();
      }
      this.check();
    }
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    if (this.labels === null || labels.length === 0) return;
    let text = "";
    for (const l of labels) text += `${JSON.stringify(l)}\n`;
    await this.labels.append(text);
  }

  async close(): Promise<void> {
    if (!this.gone) {
      this.encoder.flush(this.chunks);
      await this.drain();
    }
    if (!this.gone && this.out.writableNeedDrain) await once(this.out, "drain");
    this.out.off("error", this.onError);
    await this.labels?.close();
  }

  destroy(): void {
    this.out.off("error", this.onError);
    void this.labels?.close().catch(() => {});
  }
}
