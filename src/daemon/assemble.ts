import type { CascadeTimeline } from "../cascade/timeline.js";
import { WindowModifier } from "../cascade/window-modifier.js";
import type { CompiledWorkflow } from "../sim/compile.js";
import {
  type ArrivalSource,
  Engine,
  type EngineHooks,
  type SessionFactory,
  type Timeline,
} from "../sim/engine.js";
import type { GenerationOptions } from "../sim/options.js";
import { type CallOutcome, ModifiedOutcome, type OutcomeModifier, RulesOutcome } from "../sim/outcome.js";
import { seedKey } from "../sim/rng.js";
import { SessionCascadeModifier } from "../sim/session-cascade.js";

/** An outcome source as built, before the chain wraps it. */
export interface SourceOutcome {
  outcome: CallOutcome;
  /** Modifiers after the chain (replay: the recorded label of a call no cascade touched). */
  after?: OutcomeModifier[];
  /** The source leaves latency unrounded (the rules): the chain rounds it. */
  roundLatency?: boolean;
}

/**
 * The modifier chain every outcome source is wrapped in: the per-session cascade, then the windows
 * (a call keeps the first that touched it). Each draws from its own counter-based stream.
 */
export function modifierChain(gen: GenerationOptions, timeline: CascadeTimeline | null): OutcomeModifier[] {
  const session = new SessionCascadeModifier(gen.cascade, seedKey(gen.seed));
  return timeline === null ? [session] : [session, new WindowModifier(timeline.open)];
}

/** `source` wrapped in the chain: what the engine is given, whatever the mode. */
export function chained(
  source: SourceOutcome,
  gen: GenerationOptions,
  timeline: CascadeTimeline | null,
): ModifiedOutcome {
  const chain = [...modifierChain(gen, timeline), ...(source.after ?? [])];
  return new ModifiedOutcome(source.outcome, chain, source.roundLatency === true);
}

/** The rules outcome source (simulated calls): the error rates and latencies of the workflow. */
export function rulesSource(): SourceOutcome {
  return { outcome: new RulesOutcome(), roundLatency: true };
}

/** What an engine is assembled from: a session source, an outcome source and the windows. */
export interface EngineParts {
  workflows: readonly CompiledWorkflow[];
  gen: GenerationOptions;
  /** The session source's arrivals (sharded) and, for a recording, how each becomes a session. */
  load: ArrivalSource;
  makeSession?: SessionFactory;
  source: SourceOutcome;
  timeline: CascadeTimeline | null;
  /** What the engine moves in time, when not `timeline` itself (HTTP mode: its records go through the injectors). */
  engineTimeline?: Timeline | null;
  hooks?: EngineHooks;
}

/**
 * The one place an engine is put together, for `run`, `replay`, `generate --config` (through the
 * builder) and `generate --users` on its worker thread (generateDataset): the outcome source is
 * always wrapped in the chain.
 */
export function assembleEngine(p: EngineParts): { engine: Engine; outcome: ModifiedOutcome } {
  const outcome = chained(p.source, p.gen, p.timeline);
  const timeline = p.engineTimeline === undefined ? p.timeline : p.engineTimeline;
  const engine = new Engine(p.workflows, p.gen, p.load, p.hooks ?? {}, outcome, timeline, p.makeSession);
  return { engine, outcome };
}
