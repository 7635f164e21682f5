import type { CascadeLabel, TraceEvent } from "../event/index.js";

/**
 * The contract every sink keeps (after k6's Output):
 * - `start` connects or opens; it may retry, and rejects with TW_SINK_UNAVAILABLE when it cannot.
 * - `write` is never called concurrently; its promise resolves when the batch is accepted, which is how
 *   a saturated sink slows the scheduler down (backpressure). Events stay in the order given. The batch
 *   counts in `backlog` from the moment `write` is called (before it returns its promise).
 * - `writeLabels` takes ground-truth records for the labels stream; sinks without one ignore them.
 * - `backlog` is how many events `write` accepted that are not delivered yet (a file sink: not yet
 *   written to the file; Kafka: not yet acknowledged by the cluster). It only falls by delivery, so
 *   the events delivered are the events written minus the backlog. After `destroy`, it is the number
 *   of accepted events that were dropped.
 * - `close` flushes everything accepted and releases resources; calling it twice is safe. It may take
 *   as long as delivery takes (a broker away): a bounded shutdown calls `destroy` at its deadline.
 * - `destroy` aborts at once, dropping what is buffered; a `close` or `write` in progress then settles
 *   promptly. Safe at any time, and twice.
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
  /** Events accepted by `write` and not delivered yet; after `destroy`, the events dropped. */
  readonly backlog: number;
  /**
   * The newest part of `backlog` the sink holds by choice, waiting on nothing (a Parquet row group
   * being filled): `delivery_timeout` does not count their age. Absent: 0.
   */
  readonly held?: number;
  start(): Promise<void>;
  write(events: readonly TraceEvent[]): Promise<void>;
  writeLabels(labels: readonly CascadeLabel[]): Promise<void>;
  /**
   * A cascade window opened, in every shard (only shard 0 writes label records), at the moment it
   * opens: before any call it touches is written. For sinks that describe calls by their window
   * (otlp: its name, where a propagated cascade started); nothing is written for it. Optional.
   */
  cascadeOpened?(label: CascadeLabel): void;
  close(): Promise<void>;
  destroy(): void;
}
