import type { CascadeLabel, TraceEvent } from "../event/index.js";
import type { SummaryRecorder } from "./recorder.js";

/** The part of a sink set the runner writes to (structurally the runner's `RunSinks`). */
interface BatchSinks<K> {
  write(batch: readonly TraceEvent[], keys?: K): Promise<void>;
  writeLabels(labels: readonly CascadeLabel[]): Promise<void>;
  release(): void;
}

/**
 * The sinks as the runner sees them, with the recorder watching: every batch and label record is
 * shown to it before it goes on, unchanged. The sinks' backpressure is untouched.
 */
export function observedSinks<K>(sinks: BatchSinks<K>, rec: SummaryRecorder): BatchSinks<K> {
  return {
    write(batch, keys) {
      rec.observe(batch);
      return sinks.write(batch, keys);
    },
    writeLabels(labels) {
      rec.observeLabels(labels);
      return sinks.writeLabels(labels);
    },
    release: () => sinks.release(),
  };
}
