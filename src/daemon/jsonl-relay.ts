import type { Worker } from "node:worker_threads";
import type { CascadeLabel } from "../event/index.js";
import type { PackedBatch } from "../sinks/jsonl-packed.js";
import { BatchPacker } from "../sinks/jsonl-packer.js";
import type { DatasetOut } from "./generate.js";

/**
 * A JSONL dataset is written by the main thread while the worker generates: the worker packs each
 * batch as numbers (sinks/jsonl-packer.ts, a fraction of the cost of encoding it) and posts it; the
 * main thread encodes and writes it, so the engine and the encoder run on two cores at once. Standard
 * output has to be written by the main thread anyway: from a worker, fs writes to fd 1 fail with
 * EAGAIN once a pipe is full (the pipe is non-blocking), which broke `generate --out - | slow-reader`.
 */
export type RelayMessage =
  | { type: "packed"; batch: PackedBatch }
  | { type: "labels"; labels: CascadeLabel[] };

/** The main thread's answer to a batch once written: its buffers, given back to be filled again. */
export interface RelayAck {
  type: "ack";
  ints: Int32Array;
  nums: Float64Array;
}

/**
 * Batches posted and not yet written: bounds memory while a slow reader holds the pipe, and lets the
 * worker pack the next batches while the main thread encodes one.
 */
const IN_FLIGHT = 3;

/**
 * The worker's side: where an offline run's batches go when the output is JSON Lines. Its batch is its
 * packer, which the engine fills as it completes each call (most with no event object made).
 */
export class RelayOut implements DatasetOut<BatchPacker> {
  private readonly packer = new BatchPacker();
  private inFlight = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly post: (m: RelayMessage, transfer?: ArrayBuffer[]) => void) {}

  /** Called for each acknowledgement from the main thread. */
  readonly onAck = (ack: RelayAck): void => {
    this.packer.recycle(ack.ints, ack.nums);
    this.inFlight--;
    this.wake?.();
    this.wake = null;
  };

  newBatch(): BatchPacker {
    this.packer.begin();
    return this.packer;
  }

  async write(batch: BatchPacker): Promise<void> {
    const packed = batch.finish();
    this.inFlight++;
    this.post({ type: "packed", batch: packed }, [
      packed.ints.buffer as ArrayBuffer,
      packed.nums.buffer as ArrayBuffer,
    ]);
    // The next batch is begun once buffers are back: the same few buffers go round.
    while (this.inFlight >= IN_FLIGHT) await new Promise<void>((r) => (this.wake = r));
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    if (labels.length > 0) this.post({ type: "labels", labels: [...labels] });
  }
}

/** What the main thread writes the worker's batches to: the JSONL file sink or standard output. */
export interface PackedSink {
  writePacked(batch: PackedBatch): Promise<void>;
  writeLabels(labels: readonly CascadeLabel[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The main thread's side: encodes and writes what the worker posts, in order, acknowledging each
 * batch once written. The first write error (OutputClosed once a reader of standard output left, a
 * full disk) goes to `onFailure`, and nothing more is written.
 */
export class JsonlRelay {
  private tail: Promise<void> = Promise.resolve();
  failure: unknown = null;

  constructor(
    private readonly sink: PackedSink,
    private readonly worker: Worker,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** Queues a message of the worker; returns false if it was not a relay message. */
  handle(m: { type: string }): boolean {
    if (m.type === "packed") {
      const { batch } = m as Extract<RelayMessage, { type: "packed" }>;
      this.queue(async () => {
        await this.sink.writePacked(batch);
        const ack: RelayAck = { type: "ack", ints: batch.ints, nums: batch.nums };
        this.worker.postMessage(ack, [batch.ints.buffer as ArrayBuffer, batch.nums.buffer as ArrayBuffer]);
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
