import { Registry } from "prom-client";
import type { CascadeWindow } from "../cascade/plan.js";
import { checkedServiceMap, hopsFor } from "../cascade/propagate.js";
import { CascadeTimeline } from "../cascade/timeline.js";
import { WindowModifier } from "../cascade/window-modifier.js";
import { type Config, formatDuration } from "../config/index.js";
import type { ReplaySource } from "../replay/session.js";
import { compileWorkflow } from "../sim/compile.js";
import { Engine } from "../sim/engine.js";
import { ClosedLoad, type LoadModel, OpenLoad } from "../sim/load/index.js";
import { type GenerationOptions, generationOptions } from "../sim/options.js";
import { type CallOutcome, SimulatedOutcome } from "../sim/outcome.js";
import { seedKey } from "../sim/rng.js";
import type { Session } from "../sim/session.js";
import { SessionCascadeModifier } from "../sim/session-cascade.js";
import { IntendedTimeOutcome } from "../summary/intended.js";
import { livePage } from "../summary/live.js";
import { observedSinks } from "../summary/observe.js";
import { SummaryRecorder } from "../summary/recorder.js";
import { DryRunOutcome } from "../target/dry-run.js";
import { HttpOutcome } from "../target/http-outcome.js";
import { loadWorkflow, type Workflow } from "../workflow/index.js";
import { systemClock, VirtualClock, type WallClock } from "./clock.js";
import { type ControlTarget, controlHandler } from "./control.js";
import { HttpMetrics } from "./http-metrics.js";
import type { Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import { Runner, type RunSummary } from "./runner.js";
import { type MetricsServer, startMetricsServer } from "./server.js";
import { Shutdown } from "./shutdown.js";
import { createSink, SinkSet, type Undelivered } from "./sinks.js";

/** Arrivals this far (wall ms) behind their schedule are counted as late. */
const LATE_MS = 1000;

/** The pieces of a running daemon, each with an owner that closes it. */
export interface Daemon {
  readonly runner: Runner;
  readonly sinks: SinkSet;
  readonly load: LoadModel;
  readonly clock: VirtualClock;
  readonly server: MetricsServer | null;
  readonly metrics: Metrics;
  /** The registry behind /metrics. */
  readonly registry: Registry;
  /** What the end-of-run summary is made of: every event and window, as they went to the sinks. */
  readonly summary: SummaryRecorder;
  /** Starts the metrics server (when enabled), so /healthz answers while sinks connect. */
  listen(): Promise<MetricsServer | null>;
  /** Starts the sinks and runs until the duration ends, or stop() was called and sessions drained or were cut. */
  run(): Promise<RunSummary>;
  /** Applies a new load section (SIGHUP reload) from the current virtual instant on. */
  reconfigure(load: Config["load"]): void;
  /**
   * Changes the load from the current virtual instant on: the open model's arrival rate or the closed
   * model's users. Returns why not (the other model's key), or null when applied.
   */
  setLoad(change: { arrival_rate: number } | { users: number }): string | null;
  /** Bounds the shutdown to `drainMs` from now (SIGTERM): see Shutdown.stop. */
  stop(drainMs: number): void;
  /**
   * Cuts sessions in flight (labelling their cascades), flushes the sinks until stop()'s deadline
   * (none: as long as delivery takes), destroys those still busy, and closes the metrics server.
   * Returns the events each sink could not deliver (also in `events_undelivered_total`).
   */
  close(): Promise<Undelivered>;
  /** After a failure: destroys the sinks, clears the shutdown's timers and closes the metrics server. */
  abort(): Promise<void>;
}

function makeLoad(config: Config, key: number, start: number, shares: { weight: number }[]): LoadModel {
  const l = config.load;
  if (l.model === "closed") {
    return new ClosedLoad({
      key,
      startMs: start,
      users: l.users,
      pauseMs: l.pause,
      workflows: shares,
      shard: config.shard,
    });
  }
  return new OpenLoad({
    key,
    startMs: start,
    arrivalRate: l.arrival_rate,
    stages: l.stages.map((s) => ({ durationMs: s.duration, target: s.target })),
    ...(l.daily_curve === undefined ? {} : { dailyCurve: l.daily_curve }),
    sessionsPerUser: l.sessions_per_user,
    sessionGapMs: l.session_gap,
    workflows: shares,
    shard: config.shard,
  });
}

/**
 * The generation options; `thinkScale` multiplies think times (HTTP mode: 1 / speed, 0 at `max`, since
 * there the clock is real time and the speed shortens only the pauses between a user's calls).
 */
function generation(config: Config, thinkScale = 1) {
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
): CascadeTimeline | null {
  if (config.cascades.length === 0) return null;
  const services = checkedServiceMap(config.cascades, workflows);
  return new CascadeTimeline({
    cascades: config.cascades,
    hops: hopsFor(config.cascades, services),
    anchor: { originMs: start, seedKey: key },
    writeLabels: config.shard.index === 0,
    onOpen: (w) => {
      metrics.cascadeWindow(w.name, 1);
      log.info(
        {
          cascade_id: w.cascade_id,
          start: new Date(w.start).toISOString(),
          end: new Date(w.end).toISOString(),
        },
        "cascade window opens",
      );
    },
    onClose: (w, cut) => {
      metrics.cascadeWindow(w.name, -1);
      log.info({ cascade_id: w.cascade_id, cut }, "cascade window closes");
    },
  });
}

/** The simulated outcome: the per-session cascade, then the windows (a call keeps the first that touched it). */
function simulatedOutcome(gen: GenerationOptions, timeline: CascadeTimeline | null): SimulatedOutcome {
  const session = new SessionCascadeModifier(gen.cascade);
  return new SimulatedOutcome(
    gen,
    timeline === null ? [session] : [session, new WindowModifier(timeline.open)],
  );
}

/**
 * How calls complete: simulated, or in HTTP mode by the target's real responses (the windows then
 * only label the calls, and inject Envoy faults where asked); a dry run prints the requests instead.
 */
function outcomeOf(
  config: Config,
  gen: GenerationOptions,
  timeline: CascadeTimeline | null,
  clock: VirtualClock,
  http: HttpMetrics | null,
  recorded?: CallOutcome,
): { outcome: CallOutcome; target: HttpOutcome | null } {
  const t = config.target;
  const offline = recorded ?? simulatedOutcome(gen, timeline);
  if (t === undefined) return { outcome: offline, target: null };
  if (t.dry_run) return { outcome: new DryRunOutcome(offline, t.url), target: null };
  const target = new HttpOutcome({
    target: t,
    // A replay keeps every recorded session; the open model drops arrivals the target cannot take.
    dropWhenBusy: recorded === undefined && config.load.model === "open",
    virtualNow: () => {
      const now = clock.virtualNow();
      return Number.isFinite(now) ? now : Number.NaN;
    },
    ...(timeline === null
      ? {}
      : {
          windows: {
            open: timeline.open,
            envoy: new Set(config.cascades.filter((c) => c.envoy_faults).map((c) => c.name)),
          },
        }),
    ...(http === null ? {} : { observer: http }),
  });
  return { outcome: target, target };
}

const iso = (ms: number) => new Date(ms).toISOString();

function windowView(w: CascadeWindow): { cascade_id: string; start: string; end: string } {
  return { cascade_id: w.cascade_id, start: iso(w.start), end: iso(w.end) };
}

/** `GET /control/cascades`: each cascade's schedule, open windows and next window after `now`. */
function cascadeViews(timeline: CascadeTimeline, now: number): Record<string, unknown>[] {
  const open = timeline.openViews();
  return timeline.cascades.map((c) => {
    const next = timeline.nextOf(c.name, now);
    return {
      name: c.name,
      schedule: {
        ...(c.every === undefined ? {} : { every: formatDuration(c.every) }),
        ...(c.offset === undefined ? {} : { offset: formatDuration(c.offset) }),
        ...(c.at === undefined ? {} : { at: c.at.map(formatDuration) }),
        ...(c.cron === undefined ? {} : { cron: c.cron }),
        duration: formatDuration(c.duration),
        ramp: formatDuration(c.ramp),
      },
      scope: c.scope,
      effects: c.effects,
      open: open.filter((w) => w.name === c.name),
      next: next === undefined ? null : windowView(next),
    };
  });
}

/** Wires config into a daemon: workflows, load model, engine, clock, sinks, metrics server. Starts nothing yet. */
export async function createDaemon(
  config: Config,
  log: Logger,
  wall: WallClock = systemClock,
  replay?: ReplaySource,
): Promise<Daemon> {
  // A workflow's warnings (the row of an exit point, say) are logged, never fatal.
  const workflows = await Promise.all(
    config.workflows.map((w) =>
      loadWorkflow(w.preset ?? w.file!, (p) => log.warn({ path: p.path }, `workflow warning: ${p.message}`)),
    ),
  );
  const compiled = workflows.map(compileWorkflow);
  const registry = new Registry();
  const sinkNames = config.sinks.map((s) => s.name);
  const metrics = new Metrics(registry, {
    sinks: sinkNames,
    // A replay's sessions are the recording's, counted under one workflow label.
    workflows: replay === undefined ? workflows.map((w) => w.name) : ["replay"],
    cascades: config.cascades.map((c) => c.name),
  });
  const sinks: SinkSet = new SinkSet(
    await Promise.all(
      config.sinks.map(async (s) => ({
        name: s.name,
        sink: await createSink(s, { metrics, log, delivered: () => sinks.observeSink(s.name) }),
      })),
    ),
    metrics,
  );
  const key = seedKey(config.seed);
  // HTTP mode runs in real time from now (events carry real send times, so windows and the load must
  // too); the speed then scales only think times.
  const httpMode = config.target !== undefined && !config.target.dry_run;
  const speed = config.clock.speed;
  // A replay lays the recording on the clock from now, its spacing already scaled: real time, or max.
  const clockSpeed = replay !== undefined ? (speed === "max" ? "max" : 1) : httpMode ? 1 : speed;
  const start = replay?.startMs ?? (httpMode ? wall.now() : Date.parse(config.clock.start));
  const load: LoadModel = replay?.load ?? makeLoad(config, key, start, config.workflows);
  const clock = new VirtualClock(wall, start, clockSpeed);
  metrics.clockSpeed(clockSpeed);
  const gen = generation(config, httpMode ? (speed === "max" ? 0 : 1 / speed) : 1);
  const timeline = makeTimeline(config, workflows, key, start, metrics, log);
  const http = config.target === undefined || config.target.dry_run ? null : new HttpMetrics(registry);
  const { outcome, target } = outcomeOf(config, gen, timeline, clock, http, replay?.outcome);
  const summary = new SummaryRecorder();
  // Open model against a target: latency from the intended send time too (coordinated omission).
  const openHttp = target !== null && replay === undefined && config.load.model === "open";
  if (target !== null && config.generation.cascade_rate > 0) {
    log.warn("generation.cascade_rate does not apply in HTTP mode: the target decides how calls go");
  }
  const engine = new Engine(
    compiled,
    gen,
    load,
    {
      onSessionStart: (s: Session) => {
        metrics.sessionStarted(s.arrival.workflow);
        if (clock.lagMs(s.arrival.at) > LATE_MS) metrics.arrivalsLate(1);
      },
      onSessionEnd: (s: Session) => {
        metrics.sessionCompleted(s.arrival.workflow);
        load.onSessionEnd(s);
      },
      onCascadeLabel: (s: Session) => metrics.cascadeInjected(s.arrival.workflow),
      onSessionDropped: (s: Session) => {
        http?.arrivalDropped();
        load.onSessionEnd(s);
      },
      onSettled: () => runner.interrupt(),
    },
    openHttp ? new IntendedTimeOutcome(outcome, summary) : outcome,
    timeline,
    replay === undefined ? undefined : (a, k, tag) => replay.makeSession(a, k, tag, gen),
  );
  const runner = new Runner({
    engine,
    load,
    clock,
    wall,
    sinks: observedSinks(sinks, summary),
    metrics,
    workflowIndex: replay === undefined ? new Map(workflows.map((w, i) => [w.name, i])) : new Map(),
    ...(config.clock.duration !== undefined
      ? { endMs: start + config.clock.duration }
      : replay !== undefined && !replay.loop
        ? { endMs: Number.POSITIVE_INFINITY } // a replay ends with its recording
        : {}),
  });
  let server: MetricsServer | null = null;
  /** The load's current setting, as the control API reports it. */
  let loadNow: Record<string, unknown> =
    config.load.model === "open"
      ? { model: "open", arrival_rate: config.load.arrival_rate }
      : { model: "closed", users: config.load.users };
  /** What the control API sees of this daemon. */
  const controlTarget = (): ControlTarget => ({
    get paused() {
      return runner.paused;
    },
    pause: () => runner.pause(),
    resume: () => runner.resume(),
    setLoad: (change) => daemon.setLoad(change),
    status: () => {
      const now = clock.virtualNow();
      return {
        paused: runner.paused,
        speed: config.clock.speed,
        virtual_time: Number.isFinite(now) ? new Date(now).toISOString() : null,
        load: loadNow,
        events: runner.eventsEmitted,
        active_sessions: runner.activeSessions,
      };
    },
    cascades: () => (timeline === null ? [] : cascadeViews(timeline, controlNow())),
    trigger: (name, durationMs) => {
      if (timeline === null) return { status: 404, error: "no cascades are configured" };
      const w = timeline.trigger(name, controlNow(), durationMs);
      if (typeof w === "string") return { status: w.startsWith("no cascade") ? 404 : 409, error: w };
      runner.interrupt();
      return windowView(w);
    },
    abort: (id) => {
      const w = timeline?.abort(id, controlNow()) ?? `no open window ${id}`;
      if (typeof w === "string") return { status: w.startsWith("no open") ? 404 : 409, error: w };
      runner.interrupt();
      return windowView(w);
    },
  });
  /**
   * The virtual instant a control action takes effect: the clock's, or at `max` speed just after the
   * last call emitted (calls are emitted in time order, so none before it can change).
   */
  const controlNow = () => {
    const now = clock.virtualNow();
    // Whole milliseconds (as events and records carry them), after every call already emitted.
    const after = Math.max(Math.floor(engine.reached) + 1, start);
    return Number.isFinite(now) ? Math.max(Math.ceil(now), after) : after;
  };
  const shutdown = new Shutdown({ wall, log, engine, runner, sinks });
  const daemon: Daemon = {
    runner,
    sinks,
    load,
    clock,
    metrics,
    registry,
    summary,
    get server() {
      return server;
    },
    async listen() {
      if (config.metrics.enabled && server === null) {
        server = await startMetricsServer({
          host: config.metrics.host,
          port: config.metrics.port,
          registry,
          isReady: () => sinks.readiness(),
          ...(config.metrics.ui
            ? {
                ui: livePage({
                  rec: summary,
                  registry,
                  seed: config.seed,
                  thresholds: config.thresholds,
                  counts: () => ({
                    events: runner.eventsEmitted,
                    sessionsStarted: engine.sessionsStarted,
                    sessionsCompleted: engine.sessionsCompleted,
                  }),
                }),
              }
            : {}),
          ...(config.control === undefined
            ? {}
            : {
                control: controlHandler(config.control.token, controlTarget(), log, (a) =>
                  metrics.controlAction(a),
                ),
              }),
        });
      }
      return server;
    },
    async run() {
      // A sink that stops for good (e.g. its topic is refused while it connects in the background) ends
      // the run at once with its error, instead of leaving the runner waiting on its backpressure.
      const stopped = sinks.stopped.then((err) => Promise.reject(err));
      stopped.catch(() => {}); // raced below; after the run, close() reports it
      // A signal during a slow start (start_timeout_ms) must not wait it out.
      await Promise.race([shutdown.deadline.race(sinks.start()), stopped]);
      const wall0 = performance.now();
      const running = runner.run().then((summary) => ({
        ...summary,
        ...(target === null ? {} : { requests: target.requests }),
        wall_s: Math.round(performance.now() - wall0) / 1000,
      }));
      try {
        return await Promise.race([running, stopped]);
      } catch (err) {
        runner.cutInFlight();
        running.catch(() => {});
        throw err;
      }
    },
    reconfigure(next) {
      const problem = daemon.setLoad(
        next.model === "open" ? { arrival_rate: next.arrival_rate } : { users: next.users },
      );
      if (problem !== null) log.warn(problem);
    },
    setLoad(change) {
      const now = Math.min(clock.virtualNow(), engine.nextDue());
      if ("arrival_rate" in change && load instanceof OpenLoad) load.setRate(change.arrival_rate, now);
      else if ("users" in change && load instanceof ClosedLoad) load.setUsers(change.users, now);
      else return "the load model cannot change between open and closed at run time; restart instead";
      loadNow = { model: loadNow.model, ...change };
      runner.interrupt();
      return null;
    },
    stop: (drainMs) => shutdown.stop(drainMs),
    async close() {
      try {
        const inFlight = engine.callsInFlight;
        if (inFlight > 0)
          log.warn({ requests_in_flight: inFlight }, "shutdown: requests in flight abandoned");
        return await shutdown.close();
      } finally {
        await target?.close();
        await server?.close();
      }
    },
    async abort() {
      shutdown.abort();
      await target?.close();
      await server?.close();
    },
  };
  return daemon;
}
