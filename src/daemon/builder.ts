import { Registry } from "prom-client";
import { checkedServiceMap, hopsFor } from "../cascade/propagate.js";
import { CascadeTimeline, windowLabel } from "../cascade/timeline.js";
import type { Config } from "../config/index.js";
import { createInjection, InjectedTimeline, type Injection } from "../http/inject/index.js";
import { compileWorkflow } from "../sim/compile.js";
import type { Engine, EngineHooks } from "../sim/engine.js";
import type { EngineSession } from "../sim/engine-session.js";
import type { LoadModel } from "../sim/load/index.js";
import { type GenerationOptions, generationOptions } from "../sim/options.js";
import { seedKey } from "../sim/rng.js";
import { IntendedTimeOutcome } from "../summary/intended.js";
import { observedSinks } from "../summary/observe.js";
import { SummaryRecorder } from "../summary/recorder.js";
import { loadWorkflow, type Workflow } from "../workflow/index.js";
import { assembleEngine } from "./assemble.js";
import { VirtualClock, type WallClock } from "./clock.js";
import { type DeliveryWatch, watchDelivery } from "./delivery.js";
import { HttpMetrics } from "./http-metrics.js";
import type { Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import {
  type BuiltOutcome,
  type MakeOutcome,
  OUTCOME_KINDS,
  type OutcomeKind,
  type OutcomeKindName,
  outcomeKindOf,
} from "./outcome-sources.js";
import { Runner } from "./runner.js";
import type { BuiltSessions, SessionKind } from "./session-sources.js";
import { createSink, SinkSet } from "./sinks.js";

/** Arrivals this far (wall ms) behind their schedule are counted as late. */
const LATE_MS = 1000;

/** A run, wired: every part a daemon drives and closes. Nothing is started yet. */
export interface BuiltRun {
  config: Config;
  registry: Registry;
  metrics: Metrics;
  sinks: SinkSet;
  sessions: BuiltSessions;
  outcome: BuiltOutcome;
  timeline: CascadeTimeline | null;
  clock: VirtualClock;
  engine: Engine;
  runner: Runner;
  /** HTTP mode's fault injectors (null elsewhere): started before the sinks, undone at the end. */
  injection: Injection | null;
  /** `delivery_timeout`'s watch over the sinks: calls `expired` when events wait too long. */
  delivery: DeliveryWatch;
  /** What the end-of-run summary is made of: every event and window, as they went to the sinks. */
  summary: SummaryRecorder;
}

/** What the daemon that owns a run tells its builder. */
export interface RunOwner {
  /**
   * `delivery_timeout` passed with events undelivered: the run must end (the daemon's shutdown). The
   * `stuck` sinks are given up at once; the others get `graceMs` to flush what they hold.
   */
  expired(stuck: readonly string[], graceMs: number): void;
}

/** The generation options; `thinkScale` multiplies think times (see BuiltSessions.thinkScale). */
export function generation(config: Config, thinkScale = 1) {
  const g = config.generation;
  const t = g.think_time;
  const ms = (s: number) => Math.round(s * 1000 * thinkScale);
  return generationOptions({
    seed: config.seed,
    maxLength: g.max_length,
    thinkTime: {
      minMs: ms(t.min_s),
      maxMs: ms(t.max_s),
      longProbability: t.long_probability,
      longMinMs: ms(t.long_min_s),
      longMaxMs: ms(t.long_max_s),
    },
    cascade: { ...generationOptions().cascade, rate: g.cascade_rate },
  });
}

/**
 * The scheduled cascades' windows, or null without any. Every shard runs the same windows (the same
 * calls are touched in each); shard 0 alone writes their label records, so N shards announce each once.
 */
function makeTimeline(
  config: Config,
  workflows: readonly Workflow[],
  key: number,
  start: number,
  metrics: Metrics,
  log: Logger,
  injection: Injection | null,
  sinks: SinkSet,
): CascadeTimeline | null {
  if (config.cascades.length === 0) return null;
  const services = checkedServiceMap(config.cascades, workflows);
  // Every shard tells the sinks that describe calls by their window (otlp) of each as it opens.
  const observes = sinks.observesWindows;
  return new CascadeTimeline({
    cascades: config.cascades,
    hops: hopsFor(config.cascades, services),
    anchor: { originMs: start, seedKey: key },
    writeLabels: config.shard.index === 0,
    onOpen: (w) => {
      injection?.onOpen(w);
      if (observes) sinks.cascadeOpened(windowLabel(w, "open"));
      metrics.cascadeWindow(w.name, 1);
      const iso = (ms: number) => new Date(ms).toISOString();
      log.info({ cascade_id: w.cascade_id, start: iso(w.start), end: iso(w.end) }, "cascade window opens");
    },
    onClose: (w, cut) => {
      injection?.onClose(w);
      metrics.cascadeWindow(w.name, -1);
      log.info({ cascade_id: w.cascade_id, cut }, "cascade window closes");
    },
  });
}

async function makeSinks(
  config: Config,
  metrics: Metrics,
  log: Logger,
  workflows: readonly Workflow[],
): Promise<SinkSet> {
  const sinks: SinkSet = new SinkSet(
    await Promise.all(
      config.sinks.map(async (s) => ({
        name: s.name,
        sink: await createSink(s, {
          metrics,
          log,
          delivered: () => sinks.observeSink(s.name),
          workflows,
          shard: config.shard,
        }),
      })),
    ),
    metrics,
  );
  return sinks;
}

/** The config's workflows; their warnings (the row of an exit point, say) are logged, never fatal. */
function loadWorkflows(config: Config, log: Logger): Promise<Workflow[]> {
  return Promise.all(
    config.workflows.map((w) =>
      loadWorkflow(w.preset ?? w.file!, (p) => log.warn({ path: p.path }, `workflow warning: ${p.message}`)),
    ),
  );
}

/** The outcome source of `kind` (OUTCOME_KINDS), by its loaded `make`. */
function makeOutcome(
  kind: OutcomeKindName,
  make: MakeOutcome,
  config: Config,
  sessions: BuiltSessions,
  o: {
    gen: GenerationOptions;
    timeline: CascadeTimeline | null;
    clock: VirtualClock;
    registry: Registry;
    log: Logger;
    injection: Injection | null;
    summary: SummaryRecorder;
  },
): { outcome: BuiltOutcome; http: HttpMetrics | null } {
  const http = kind === "http" ? new HttpMetrics(o.registry, config.metrics.max_endpoints) : null;
  const outcome = make({
    config,
    gen: o.gen,
    timeline: o.timeline,
    clock: o.clock,
    http,
    injection: o.injection,
    keepsEverySession: sessions.keepsEverySession,
  });
  // Open model against a target: latency from the intended send time too (coordinated omission).
  if (kind === "http" && !sessions.keepsEverySession && config.load.model === "open") {
    outcome.outcome = new IntendedTimeOutcome(outcome.outcome, o.summary);
  }
  if (kind === "http" && config.generation.cascade_rate > 0) {
    o.log.warn("generation.cascade_rate does not apply in HTTP mode: the target decides how calls go");
  }
  return { outcome, http };
}

/** What the engine tells the metrics and the load as sessions start, end and settle. */
function hooksOf(
  metrics: Metrics,
  clock: VirtualClock,
  load: LoadModel,
  http: HttpMetrics | null,
  interrupt: () => void,
): EngineHooks {
  return {
    onSessionStart: (s: EngineSession) => {
      metrics.sessionStarted(s.arrival.workflow);
      if (clock.lagMs(s.arrival.at) > LATE_MS) metrics.arrivalsLate(1);
    },
    onSessionEnd: (s: EngineSession) => {
      metrics.sessionCompleted(s.arrival.workflow);
      load.onSessionEnd(s);
    },
    onCascadeLabel: (s: EngineSession) => metrics.cascadeInjected(s.arrival.workflow),
    onSessionDropped: (s: EngineSession) => {
      http?.arrivalDropped();
      load.onSessionEnd(s);
    },
    onSettled: interrupt,
  };
}

/**
 * The one builder of a run: a session source (`kind`) × an outcome source (chosen by the config and
 * the session source, see OUTCOME_KINDS) × the modifier chain × the sinks, with the shard filter
 * inside the session source's load. Wires, starts nothing.
 */
export async function buildRun(
  config: Config,
  log: Logger,
  wall: WallClock,
  kind: SessionKind,
  owner: RunOwner = { expired: () => {} },
): Promise<BuiltRun> {
  const workflows = await loadWorkflows(config, log);
  const key = seedKey(config.seed);
  const registry = new Registry();
  // Real time is the target's (HTTP mode, dry run), whatever the session source.
  const realTime = OUTCOME_KINDS[outcomeKindOf(config, "rules")].realTime;
  const sessions = kind({ config, key, wall, realTime });
  const metrics = new Metrics(registry, {
    sinks: config.sinks.map((s) => s.name),
    workflows: sessions.metricsWorkflows ?? workflows.map((w) => w.name),
    cascades: config.cascades.map((c) => c.name),
  });
  const sinks = await makeSinks(config, metrics, log, workflows);
  // The config and the session source choose the outcome kind; its modules are imported before the
  // clock starts (see OutcomeKind).
  const outcomeKind = outcomeKindOf(config, sessions.offlineOutcome);
  const make = await (OUTCOME_KINDS[outcomeKind] as OutcomeKind).load();
  const start = sessions.startMs;
  const clock = new VirtualClock(wall, start, sessions.clockSpeed);
  metrics.clockSpeed(sessions.clockSpeed);
  const gen = generation(config, sessions.thinkScale);
  const compiled = workflows.map(compileWorkflow);
  // HTTP mode's injectors (null elsewhere): they hear of each window, and held records wake the runner.
  const injection = createInjection(config, {
    workflows: compiled,
    registry,
    log,
    wake: () => runner.interrupt(),
  });
  const timeline = makeTimeline(config, workflows, key, start, metrics, log, injection, sinks);
  if (timeline !== null && sessions.windowsUntil !== undefined) timeline.stopAt(sessions.windowsUntil);
  const summary = new SummaryRecorder();
  const { outcome, http } = makeOutcome(outcomeKind, make, config, sessions, {
    gen,
    timeline,
    clock,
    registry,
    log,
    injection,
    summary,
  });
  const load = sessions.load;
  const { engine } = assembleEngine({
    workflows: compiled,
    gen,
    load,
    ...(sessions.makeSession === undefined ? {} : { makeSession: sessions.makeSession }),
    source: outcome,
    timeline,
    ...(injection !== null && timeline !== null
      ? { engineTimeline: new InjectedTimeline(timeline, injection) }
      : {}),
    hooks: hooksOf(metrics, clock, load, http, () => runner.interrupt()),
  });
  // delivery_timeout: events not delivered within it are given up; the run ends (exit 3).
  const delivery = watchDelivery(sinks, config.delivery_timeout, log, (stuck, graceMs) =>
    owner.expired(stuck, graceMs),
  );
  const runner: Runner = new Runner({
    engine,
    load,
    clock,
    wall,
    sinks: observedSinks(delivery, summary),
    onLag: (ms) => summary.observeLag(ms),
    metrics,
    workflowIndex:
      sessions.metricsWorkflows === undefined ? new Map(workflows.map((w, i) => [w.name, i])) : new Map(),
    ...(sessions.endMs === undefined ? {} : { endMs: sessions.endMs }),
  });
  return {
    config,
    registry,
    metrics,
    sinks,
    sessions,
    outcome,
    timeline,
    clock,
    engine,
    runner,
    injection,
    delivery,
    summary,
  };
}
