import type { Worker } from "node:worker_threads";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { JsonlEncoder, type StdoutSink } from "../sinks/index.js";
import type { DatasetOut } from "./generate.js";

/**
 * Standard output is written by the main thread: from a worker, fs writes to fd 1 fail with EAGAIN
 * once a pipe is full (the pipe is non-blocking), which broke `generate --out - | slow-reader`. The
 * worker encodes each batch and posts its bytes; the main thread writes them and acknowledges.
 */
export type RelayMessage = { type: "chunks"; chunks: Buffer[] } | { type: "labels"; labels: CascadeLabel[] };

/** Batches posted and not yet written: bounds memory while a slow reader holds the pipe. */
const IN_FLIGHT = 2;

/** The worker's side: where an offline run's batches go when the output is standard output. */
export class RelayOut implements DatasetOut {
  private readonly encoder = new JsonlEncoder();
  private inFlight = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly post: (m: RelayMessage) => void) {}

  /** Called for each acknowledgement from the main thread. */
  readonly onAck = (): void => {
    this.inFlight--;
    this.wake?.();
    this.wake = null;
  };

  async write(batch: readonly TraceEvent[]): Promise<void> {
    const chunks: Buffer[] = [];
    this.encoder.encode(batch, chunks);
    this.encoder.flush(chunks);
    while (this.inFlight >= IN_FLIGHT) await new Promise<void>((r) => (this.wake = r));
    this.inFlight++;
    this.post({ type: "chunks", chunks });
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    if (labels.length > 0) this.post({ type: "labels", labels: [...labels] });
  }
}

/**
 * The main thread's side: writes what the worker posts to standard output, in order, acknowledging
 * each batch once written. The first write error (OutputClosed once the reader left) goes to
 * `onFailure`, and nothing more is written.
 */
export class StdoutRelay {
  private tail: Promise<void> = Promise.resolve();
  failure: unknown = null;

  constructor(
    private readonly sink: StdoutSink,
    private readonly worker: Worker,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** Queues a message of the worker; returns false if it was not a relay message. */
  handle(m: { type: string }): boolean {
    if (m.type === "chunks") {
      const { chunks } = m as Extract<RelayMessage, { type: "chunks" }>;
      this.queue(async () => {
        await this.sink.writeRaw(chunks);
        this.worker.postMessage("ack");
      });
      return true;
    }
    if (m.type === "labels") {
      const { labels } = m as Extract<RelayMessage, { type: "labels" }>;
      this.queue(() => this.sink.writeLabels(labels));
      return true;
    }
    return false;
  }

  private queue(step: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure !== null) return;
      try {
        await step();
      } catch (err) {
        this.failure = err;
        this.onFailure(err);
      }
    });
  }

  /** Waits for every queued write, then closes the sink; throws the first failure. */
  async finish(): Promise<void> {
    await this.tail;
    if (this.failure !== null) throw this.failure;
    await this.sink.close();
  }
}
