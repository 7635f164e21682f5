import type { CascadeLabel, TraceEvent } from "../event/index.js";
import type { CompiledWorkflow } from "../sim/compile.js";
import type { Engine } from "../sim/engine.js";
import type { EventTaker } from "../sim/engine-session.js";
import type { GenerationOptions } from "../sim/options.js";
import { OfflineArrivals, type Shard } from "../sim/plan.js";
import { seedKey } from "../sim/rng.js";
import { assembleEngine, rulesSource } from "./assemble.js";
import { systemClock, VirtualClock } from "./clock.js";
import { Runner, type RunSinks } from "./runner.js";

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

/**
 * Where an offline run's batches go: one sink (arrays of events), or the relay of JSON Lines to the
 * main thread, whose batches are its packer, filled by the engine as it completes each call.
 */
export interface DatasetOut<B extends EventTaker = TraceEvent[]> {
  /** A new batch for the engine to fill; when absent, an array. */
  newBatch?(): B;
  write(batch: NoInfer<B>): Promise<void>;
  writeLabels(labels: readonly CascadeLabel[]): Promise<void>;
}

/** What an offline run needs besides its spec: how big its batches are, and where progress goes. */
export interface DatasetDrive {
  batchSize: number;
  onProgress?: (p: DatasetProgress) => void;
}

/**
 * Runs the engine at full speed over an offline plan, handing every event and label to `out`: the
 * daemon's own drive loop (Runner) on a `max`-speed clock that ends when the plan's last session does.
 * The plan is the session source and the outcome is the rules wrapped in the chain (daemon/assemble.ts),
 * as the builder wires them for `run`.
 */
export async function generateDataset<B extends EventTaker = TraceEvent[]>(
  spec: DatasetSpec,
  out: DatasetOut<B>,
  drive: DatasetDrive = { batchSize: BATCH },
): Promise<DatasetResult> {
  const arrivals = new OfflineArrivals({
    key: seedKey(spec.generation.seed),
    users: spec.users,
    sessionsPerUser: spec.sessionsPerUser,
    startMs: spec.startMs,
    durationMs: spec.durationMs,
    shard: spec.shard,
  });
  // The offline plan is the session source; the rules, in the same chain as every run (no windows).
  const { engine } = assembleEngine({
    workflows: [spec.workflow],
    gen: spec.generation,
    load: arrivals,
    source: rulesSource(),
    timeline: null,
  });
  let labels = 0;
  const sinks: RunSinks<B> = {
    ...(out.newBatch === undefined ? {} : { newBatch: () => out.newBatch!() }),
    write: (batch) => out.write(batch),
    writeLabels: (l) => {
      labels += l.length;
      return out.writeLabels(l);
    },
    release: () => {},
  };
  const runner = new Runner<B>({
    engine,
    clock: new VirtualClock(systemClock, spec.startMs, "max"),
    wall: systemClock,
    sinks,
    metrics: null,
    endMs: Number.POSITIVE_INFINITY,
    batchSize: drive.batchSize,
    ...(drive.onProgress === undefined
      ? {}
      : { onBatch: (events: number) => drive.onProgress!(progressOf(engine, arrivals, events)) }),
  });
  const summary = await runner.run();
  return { ...progressOf(engine, arrivals, summary.events), labels };
}
