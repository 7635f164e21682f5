import type { Registry } from "prom-client";
import type { Config } from "../config/index.js";
import { ClosedLoad, type LoadModel, OpenLoad } from "../sim/load/index.js";
import { livePage } from "../summary/live.js";
import type { SummaryRecorder } from "../summary/recorder.js";
import { type BuiltRun, buildRun } from "./builder.js";
import { systemClock, type VirtualClock, type WallClock } from "./clock.js";
import { controlHandler } from "./control.js";
import { controlView, type LoadControl } from "./control-view.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Runner, RunSummary } from "./runner.js";
import { type MetricsServer, startMetricsServer } from "./server.js";
import { type SessionKind, walkSessions } from "./session-sources.js";
import { Shutdown } from "./shutdown.js";
import type { SinkSet, Undelivered } from "./sinks.js";

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

/** Starts the metrics server of a run (and its control API, when configured). */
function listenOn(built: BuiltRun, load: LoadControl, log: Logger): Promise<MetricsServer> {
  const { config, registry, sinks, metrics, summary, runner, engine } = built;
  return startMetricsServer({
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
          control: controlHandler(config.control.token, controlView(built, load), log, (a) =>
            metrics.controlAction(a),
          ),
        }),
  });
}

/** Starts the sinks and runs until the end, or until a sink stops for good (its error ends the run). */
async function runOnce(built: BuiltRun, shutdown: Shutdown): Promise<RunSummary> {
  const { sinks, runner, outcome } = built;
  // A sink that stops for good (e.g. its topic is refused while it connects in the background) ends
  // the run at once with its error, instead of leaving the runner waiting on its backpressure.
  const stopped = sinks.stopped.then((err) => Promise.reject(err));
  stopped.catch(() => {}); // raced below; after the run, close() reports it
  await built.injection?.start(); // a missing Toxiproxy proxy is refused before any request
  // A signal during a slow start (start_timeout_ms) must not wait it out.
  await Promise.race([shutdown.deadline.race(sinks.start()), stopped]);
  const wall0 = performance.now();
  const running = runner.run().then((summary) => ({
    ...summary,
    ...(outcome.requests === undefined ? {} : { requests: outcome.requests() }),
    wall_s: Math.round(performance.now() - wall0) / 1000,
  }));
  try {
    return await Promise.race([running, stopped]);
  } catch (err) {
    runner.cutInFlight();
    running.catch(() => {});
    throw err;
  }
}

/**
 * A daemon over the run the builder wires from `sessions` (default the walker; `replay` passes its
 * recording's, `replaySessions(source)`): its lifecycle — listen, run, reconfigure, stop, close,
 * abort. Starts nothing yet.
 */
export async function createDaemon(
  config: Config,
  log: Logger,
  wall: WallClock = systemClock,
  sessions: SessionKind = walkSessions,
): Promise<Daemon> {
  const built = await buildRun(config, log, wall, sessions, {
    expired: (stuck, graceMs) => shutdown.expire(stuck, graceMs),
  });
  const { runner, sinks, clock, metrics, registry, engine, outcome, injection, delivery } = built;
  const load = built.sessions.load;
  let server: MetricsServer | null = null;
  const loadControl: LoadControl & { loadNow: Record<string, unknown> } = {
    loadNow:
      config.load.model === "open"
        ? ({ model: "open", arrival_rate: config.load.arrival_rate } as Record<string, unknown>)
        : ({ model: "closed", users: config.load.users } as Record<string, unknown>),
    setLoad: (change: { arrival_rate: number } | { users: number }) => daemon.setLoad(change),
  };
  const shutdown: Shutdown = new Shutdown({ wall, log, engine, runner, sinks, delivery });
  const daemon: Daemon = {
    runner,
    sinks,
    load,
    clock,
    metrics,
    registry,
    summary: built.summary,
    get server() {
      return server;
    },
    async listen() {
      if (config.metrics.enabled && server === null) server = await listenOn(built, loadControl, log);
      return server;
    },
    run: () => runOnce(built, shutdown),
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
      loadControl.loadNow = { model: loadControl.loadNow.model, ...change };
      runner.interrupt();
      return null;
    },
    stop: (drainMs) => shutdown.stop(drainMs),
    async close() {
      try {
        const inFlight = engine.callsInFlight;
        if (inFlight > 0)
          log.warn({ requests_in_flight: inFlight }, "shutdown: requests in flight abandoned");
        // Injected faults are undone before the sinks close (bounded by the shutdown's deadline).
        if (injection !== null) await shutdown.deadline.race(injection.close());
        return await shutdown.close();
      } finally {
        await outcome.close?.();
        await server?.close();
      }
    },
    async abort() {
      await injection?.close(); // no toxic outlives a failed run (each API call is bounded)
      shutdown.abort();
      await outcome.close?.();
      await server?.close();
    },
  };
  return daemon;
}
