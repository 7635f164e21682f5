import { Registry } from "prom-client";
import type { Config } from "../config/index.js";
import { compileWorkflow } from "../sim/compile.js";
import { Engine } from "../sim/engine.js";
import { ClosedLoad, type LoadModel, OpenLoad } from "../sim/load/index.js";
import { generationOptions } from "../sim/options.js";
import { seedKey } from "../sim/rng.js";
import type { Session } from "../sim/session.js";
import { loadWorkflow } from "../workflow/index.js";
import { systemClock, VirtualClock, type WallClock } from "./clock.js";
import { type ControlTarget, controlHandler } from "./control.js";
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

function makeLoad(config: Config, key: number, shares: { weight: number }[]): LoadModel {
  const l = config.load;
  const start = Date.parse(config.clock.start);
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

function generation(config: Config) {
  const g = config.generation;
  const t = g.think_time;
  return generationOptions({
    seed: config.seed,
    maxLength: g.max_length,
    thinkTime: {
      minMs: t.min_s * 1000,
      maxMs: t.max_s * 1000,
      longProbability: t.long_probability,
      longMinMs: t.long_min_s * 1000,
      longMaxMs: t.long_max_s * 1000,
    },
    cascade: { ...generationOptions().cascade, rate: g.cascade_rate },
  });
}

/** Wires config into a daemon: workflows, load model, engine, clock, sinks, metrics server. Starts nothing yet. */
export async function createDaemon(
  config: Config,
  log: Logger,
  wall: WallClock = systemClock,
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
  const metrics = new Metrics(registry, { sinks: sinkNames, workflows: workflows.map((w) => w.name) });
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
  const load = makeLoad(config, key, config.workflows);
  const start = Date.parse(config.clock.start);
  const clock = new VirtualClock(wall, start, config.clock.speed);
  metrics.clockSpeed(config.clock.speed);
  const engine = new Engine(compiled, generation(config), load, {
    onSessionStart: (s: Session) => {
      metrics.sessionStarted(s.arrival.workflow);
      if (clock.lagMs(s.arrival.at) > LATE_MS) metrics.arrivalsLate(1);
    },
    onSessionEnd: (s: Session) => {
      metrics.sessionCompleted(s.arrival.workflow);
      load.onSessionEnd(s);
    },
    onCascadeLabel: (s: Session) => metrics.cascadeInjected(s.arrival.workflow),
  });
  const runner = new Runner({
    engine,
    load,
    clock,
    wall,
    sinks,
    metrics,
    log,
    workflowIndex: new Map(workflows.map((w, i) => [w.name, i])),
    ...(config.clock.duration === undefined ? {} : { endMs: start + config.clock.duration }),
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
  });
  const shutdown = new Shutdown({ wall, log, engine, runner, sinks });
  const daemon: Daemon = {
    runner,
    sinks,
    load,
    clock,
    metrics,
    registry,
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
      const running = runner.run();
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
        return await shutdown.close();
      } finally {
        await server?.close();
      }
    },
    async abort() {
      shutdown.abort();
      await server?.close();
    },
  };
  return daemon;
}
