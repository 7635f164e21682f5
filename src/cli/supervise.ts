/**
 * A daemon run under the CLI's rules (`run` and `replay`): signals, the status line, the metrics server,
 * the summary and the exit status. Imported once the config is read (see `commands/run.ts`).
 */
import { type Config, redactConfig } from "../config/index.js";
import {
  type Daemon,
  type Logger,
  logLabelRoutes,
  totalUndelivered,
  type Undelivered,
} from "../daemon/index.js";
import { EXIT_THRESHOLDS, publishSummary, type SummaryOptions, summarize } from "../summary/finish.js";
import { watchThresholds } from "../summary/watch.js";
import { requestsLine, warnIfUnreachable } from "./target-report.js";

/** Exit status of a run that stopped with events not delivered. */
export const EXIT_EVENTS_LOST = 3;

/**
 * How long past drain_timeout the process may live after a signal: time for the exit itself. Past it
 * (a client library that hangs on close, or keeps a socket open) the process exits regardless.
 */
const EXIT_GRACE_MS = 1000;

function describeSinks(config: Config): string[] {
  return config.sinks.map((s) => {
    if (s.type === "file" || s.type === "parquet") return `${s.type} ${s.path}`;
    if (s.type === "kafka") return `kafka ${s.brokers.join(",")} topic ${s.topic}`;
    return s.type;
  });
}

/** Logs the events each sink could not deliver, when there are any; returns their total. */
function logUndelivered(log: Logger, undelivered: Undelivered): number {
  const lost = totalUndelivered(undelivered);
  if (lost > 0) log.error({ undelivered }, `shutdown: ${lost} events not delivered`);
  return lost;
}

/** Logs what the sinks hold undelivered (accepted, not delivered) and exits now. */
function exitNow(
  daemon: Daemon,
  log: Logger,
  code: (lost: number) => number,
  msg: string,
  fields: object,
): never {
  const undelivered = daemon.sinks.undelivered();
  const lost = totalUndelivered(undelivered);
  log.warn({ ...fields, undelivered }, `${msg}; ${lost} events not delivered`);
  process.exit(code(lost));
}

/** SIGTERM/SIGINT: a bounded stop; a second one exits at once. SIGHUP: reload the load section. */
function handleSignals(
  daemon: Daemon,
  config: Config,
  log: Logger,
  reload: () => Promise<Config>,
): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      exitNow(daemon, log, () => (signal === "SIGINT" ? 130 : 143), "second signal: exiting now", { signal });
    }
    stopping = true;
    log.info(
      { signal, drain_timeout_ms: config.drain_timeout },
      "stopping: no new sessions; draining sessions in flight",
    );
    daemon.stop(config.drain_timeout);
    // Unref'd: it never holds the process; it fires only if something still does past the bound.
    setTimeout(() => {
      if (process.exitCode !== undefined) process.exit();
      const message = "shutdown did not finish within drain_timeout: exiting";
      exitNow(daemon, log, (lost) => (lost > 0 ? EXIT_EVENTS_LOST : 1), message, {});
    }, config.drain_timeout + EXIT_GRACE_MS).unref();
  };
  const onHup = () => {
    reload().then(
      (next) => {
        daemon.reconfigure(next.load);
        log.info({ load: next.load }, "SIGHUP: load reconfigured");
      },
      (err: Error) => log.error({ err: err.message }, "SIGHUP: config not reloaded; keeping the current one"),
    );
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHup);
  return () => {
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
    process.off("SIGHUP", onHup);
  };
}

function startStatusLog(daemon: Daemon, log: Logger): NodeJS.Timeout {
  let last = 0;
  const timer = setInterval(() => {
    const events = daemon.runner.eventsEmitted;
    log.info({ events, events_per_s: Math.round((events - last) / 10) }, "status");
    last = events;
  }, 10_000);
  timer.unref();
  return timer;
}

/** `sinks flushed; bye`, with HTTP mode's requests and failures by kind (a warning when all failed). */
async function logLastLine(requests: number | undefined, daemon: Daemon, log: Logger): Promise<void> {
  if (requests === undefined) {
    log.info("sinks flushed; bye");
    return;
  }
  const { line, allFailed } = await requestsLine(requests, daemon.registry);
  if (allFailed) log.warn(`sinks flushed; bye: ${line} (every request failed)`);
  else log.info(`sinks flushed; bye: ${line}`);
}

/** A running daemon's counts (nothing is undelivered before the shutdown decides it). */
function liveCounts(daemon: Daemon) {
  const r = daemon.runner;
  return {
    events: r.eventsEmitted,
    undelivered: 0,
    sessionsStarted: 0,
    sessionsCompleted: 0,
    sessionsCut: 0,
  };
}

/**
 * Runs a daemon to its end under the CLI's rules: signals (bounded stop, second signal, SIGHUP reload),
 * a status line every 10 s, the metrics server, and the exit status (0, or 3 when events were lost).
 */
export async function supervise(
  daemon: Daemon,
  config: Config,
  log: Logger,
  reload: () => Promise<Config>,
  banner: string,
  summary: SummaryOptions & { command: string } = { thresholds: [], table: false, command: "run" },
): Promise<number> {
  const stopSignals = handleSignals(daemon, config, log, reload);
  log.info({ config: redactConfig(config) }, `${banner} -> ${describeSinks(config).join("; ")}`);
  logLabelRoutes(config, log);
  const status = startStatusLog(daemon, log);
  try {
    const server = await daemon.listen();
    if (server) log.info(`metrics on http://${server.address.host}:${server.address.port}/metrics`);
    await warnIfUnreachable(config, log);
    const unwatch = watchThresholds({
      thresholds: summary.thresholds,
      summarize: (thresholds) =>
        summarize(
          daemon.summary,
          daemon.registry,
          liveCounts(daemon),
          summary.command,
          config.seed,
          thresholds,
        ),
      onCrossed: (crossed) => {
        log.error({ crossed }, "threshold crossed (abort_on_fail): stopping the run");
        daemon.stop(config.drain_timeout);
      },
    });
    const ran = await daemon.run().finally(unwatch);
    log.info(ran, "run finished; flushing sinks");
    const undelivered = await daemon.close();
    const lost = logUndelivered(log, undelivered);
    // A sink that stopped for good while flushing: its error says why, the count says what it cost.
    if (daemon.sinks.failure) throw daemon.sinks.failure;
    const counts = { ...ran, undelivered: lost };
    const s = await summarize(
      daemon.summary,
      daemon.registry,
      counts,
      summary.command,
      config.seed,
      summary.thresholds,
    );
    // A crossed threshold is what a CI gate asks about first; lost events are in the summary too.
    if (!(await publishSummary(s, summary, log))) return EXIT_THRESHOLDS;
    if (lost > 0) return EXIT_EVENTS_LOST;
    await logLastLine(ran.requests, daemon, log);
    return 0;
  } catch (err) {
    await daemon.abort();
    logUndelivered(log, daemon.sinks.undelivered());
    throw err;
  } finally {
    clearInterval(status);
    stopSignals();
  }
}
