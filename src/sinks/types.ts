import type { CascadeLabel, TraceEvent } from "../event/index.js";

/**
 * The contract every sink keeps (after k6's Output):
 * - `start` connects or opens; it may retry, and rejects with TW_SINK_UNAVAILABLE when it cannot.
 * - `write` is never called concurrently; its promise resolves when the batch is accepted, which is how
 *   a saturated sink slows the scheduler down (backpressure). Events stay in the order given.
 * - `writeLabels` takes ground-truth records for the labels stream; sinks without one ignore them.
 * - `close` flushes everything accepted and releases resources; calling it twice is safe.
 * - `destroy` aborts at once, dropping what is buffered.
 */
export interface Sink {
  readonly name: string;
  /** False while the sink cannot deliver (e.g. its broker is away); absent means always ready once started. */
  readonly ready?: boolean;
  /**
   * Resolves with the error that stopped the sink for good (one no retry can fix, found e.g. while it
   * connects in the background); stays pending while the sink can go on. Absent: the sink fails only
   * through the promises of its calls.
   */
  readonly stopped?: Promise<Error>;
  start(): Promise<void>;
  write(events: readonly TraceEvent[]): Promise<void>;
  writeLabels(labels: readonly CascadeLabel[]): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}
