import type { TraceEvent } from "../event/index.js";
import type { CompiledWorkflow } from "../sim/compile.js";
import { Engine } from "../sim/engine.js";
import type { GenerationOptions } from "../sim/options.js";
import { OfflineArrivals, type Shard } from "../sim/plan.js";
import { seedKey } from "../sim/rng.js";
import type { Sink } from "../sinks/types.js";

export interface DatasetSpec {
  workflow: CompiledWorkflow;
  generation: GenerationOptions;
  users: number;
  sessionsPerUser: { mean: number; std: number };
  startMs: number;
  durationMs: number;
  shard: Shard;
}

export interface DatasetProgress {
  sessionsDone: number;
  sessionsTotal: number;
  /** Users whose last session ended. */
  usersDone: number;
  usersTotal: number;
  events: number;
}

export interface DatasetResult extends DatasetProgress {
  labels: number;
}

const BATCH = 8192;

/** Where an offline run stands. */
export function progressOf(engine: Engine, arrivals: OfflineArrivals, events: number): DatasetProgress {
  return {
    sessionsDone: engine.sessionsCompleted,
    sessionsTotal: arrivals.totalSessions,
    usersDone: engine.usersCompleted,
    usersTotal: arrivals.totalUsers,
    events,
  };
}

/** An empty result (e.g. when the reader of standard output went away). */
export const NO_RESULT: DatasetResult = {
  sessionsDone: 0,
  sessionsTotal: 0,
  usersDone: 0,
  usersTotal: 0,
  events: 0,
  labels: 0,
};

/** Adds the counts of `b` to `a` (progress of parallel workers). */
export function addCounts<T extends DatasetProgress>(a: T, b: T): T {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof T)[]) (out[k] as number) = (a[k] as number) + (b[k] as number);
  return out;
}

/** Runs the engine at full speed over an offline plan, writing every event and label to the sink. */
export async function generateDataset(
  spec: DatasetSpec,
  sink: Sink,
  onProgress: (p: DatasetProgress) => void = () => {},
): Promise<DatasetResult> {
  const arrivals = new OfflineArrivals({
    key: seedKey(spec.generation.seed),
    users: spec.users,
    sessionsPerUser: spec.sessionsPerUser,
    startMs: spec.startMs,
    durationMs: spec.durationMs,
    shard: spec.shard,
  });
  const engine = new Engine([spec.workflow], spec.generation, arrivals);
  let batch: TraceEvent[] = [];
  let events = 0;
  let labels = 0;
  while (!engine.finished) {
    engine.run(Number.POSITIVE_INFINITY, batch, BATCH);
    events += batch.length;
    await sink.write(batch);
    batch = [];
    if (engine.labels.length > 0) {
      labels += engine.labels.length;
      await sink.writeLabels(engine.labels.splice(0));
    }
    onProgress(progressOf(engine, arrivals, events));
  }
  return { ...progressOf(engine, arrivals, events), labels };
}
