import { type DatasetSpec, generateDataset } from "../../src/daemon/generate.js";
import { compileWorkflow, generationOptions, type TraceEvent } from "../../src/sim/index.js";
import type { GenerationOptions } from "../../src/sim/options.js";
import type { Sink } from "../../src/sinks/types.js";
import { getPreset, type Workflow } from "../../src/workflow/index.js";

/** A sink that keeps everything in memory, for tests. */
export class MemorySink implements Sink {
  readonly name = "memory";
  readonly events: TraceEvent[] = [];
  readonly labels: unknown[] = [];
  readonly backlog = 0;
  async start(): Promise<void> {}
  async write(events: readonly TraceEvent[]): Promise<void> {
    this.events.push(...events);
  }
  async writeLabels(labels: readonly unknown[]): Promise<void> {
    this.labels.push(...labels);
  }
  async close(): Promise<void> {}
  destroy(): void {}
}

export interface GenOptions {
  workflow?: Workflow;
  users?: number;
  seed?: number;
  shard?: { index: number; count: number };
  generation?: Partial<GenerationOptions>;
  days?: number;
  sessions?: { mean: number; std: number };
  /** Epoch ms the dataset starts at (default 2026-01-01). */
  startMs?: number;
}

/** The offline run `o` describes, with the tests' defaults. */
export function datasetSpec(o: GenOptions = {}): DatasetSpec {
  return {
    workflow: compileWorkflow(o.workflow ?? getPreset("ecommerce")!),
    generation: generationOptions({ seed: o.seed ?? 42, ...o.generation }),
    users: o.users ?? 300,
    sessionsPerUser: o.sessions ?? { mean: 3, std: 2 },
    startMs: o.startMs ?? Date.parse("2026-01-01T00:00:00Z"),
    durationMs: (o.days ?? 2) * 86_400_000,
    shard: o.shard ?? { index: 0, count: 1 },
  };
}

/** Generates a dataset in memory with the real engine. */
export async function generate(o: GenOptions = {}): Promise<MemorySink> {
  const sink = new MemorySink();
  await generateDataset(datasetSpec(o), sink);
  return sink;
}

/** A bound on |observed - expected| for a binomial count: `z` standard deviations. */
export function binomialBound(n: number, p: number, z = 5): number {
  return z * Math.sqrt(n * p * (1 - p));
}
