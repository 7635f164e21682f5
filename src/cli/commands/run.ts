import { type Config, type ConfigFlags, loadConfig, redactConfig } from "../../config/index.js";
import { outSinkOverride } from "../../config/out-sink.js";
import {
  createDaemon,
  createLogger,
  type Daemon,
  type Logger,
  logLabelRoutes,
  totalUndelivered,
  type Undelivered,
} from "../../daemon/index.js";
import { EXIT_THRESHOLDS, publishSummary, type SummaryOptions, summarize } from "../../summary/finish.js";
import { watchThresholds } from "../../summary/watch.js";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";
import { keepLastRun } from "../keep-last-run.js";
import { summaryFlags, summaryOptions } from "../summary-flags.js";
import { requestsLine, warnIfUnreachable } from "../target-report.js";

const usage = `Usage: tracewalk run [--config FILE] [options]

Runs virtual users until stopped (SIGTERM/SIGINT) or for --duration of virtual time.
With no config: the ecommerce preset, 5 users/s at speed 60, events to out/events.jsonl,
metrics on http://127.0.0.1:9464/metrics. A previous run's out/events.jsonl is kept, renamed
out/events.<its last write, UTC>.jsonl (its labels file alongside); any other output is replaced.
  --config FILE          YAML config (see config/tracewalk.yaml); TRACEWALK_* variables override it
  --workflow W           preset or workflow file (repeatable), replacing the config's workflows
  --seed N               seed of every random stream
  --speed N|max          virtual seconds per wall second (1 real time, 60, max)
  --duration 90m         virtual length of the run; sessions in flight finish after it
  --start ISO-8601|now   virtual start instant (now: the current one)
  --shard k/N            run the users whose index is k mod N; auto/N: k is this replica's index
                         (JOB_COMPLETION_INDEX, POD_INDEX, or HOSTNAME ending in -k: Kubernetes)
  --out PATH|-           one file (JSONL; Parquet for .parquet) or - (standard output, labels not
                         written) instead of the config's sinks
  --target URL           HTTP mode: send every call to URL (http:// or https://) and record the
                         real response
  --allow-host HOST      a host requests may go to (repeatable; required with a target)
  --dry-run              HTTP mode: print each request on stderr instead of sending it
  --metrics-addr H:P     metrics server address (default 127.0.0.1:9464)
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent
  --set key.path=value   any config key, e.g. --set load.arrival_rate=20 (repeatable)
  --threshold 'M: COND'  a pass/fail condition, k6's syntax (repeatable), beside the config's
                         thresholds: e.g. 'http_req_duration: p(95)<500', 'http_req_failed: rate<0.01'
  --summary FILE         write the end-of-run summary as JSON (schema tracewalk.summary/v1)
  --report FILE.html     write a self-contained HTML report (charts over time, per endpoint)

Signals: SIGTERM/SIGINT stop arrivals; drain_timeout (default 8s) then bounds the whole shutdown:
sessions in flight get half of it to finish and are then cut (their cascades' labels are written),
the sinks flush until it ends, and what a sink could not deliver by then is dropped and counted.
A second signal logs that count and exits at once (130 for SIGINT, 143 for SIGTERM).
SIGHUP re-reads --config and applies its load section (open: arrival_rate; closed: users).

At the end: a summary table on stderr (when logs are for humans; otherwise a "run summary" log record).

Exit status: 0 stopped with every event delivered; 99 stopped cleanly but a threshold was crossed;
3 stopped, but some events were not delivered (the log line "shutdown: N events not delivered" counts
them per sink); 2 bad input (an unknown metric or a bad threshold too); 1 other errors.`;

/** Exit status of a run that stopped with events not delivered. */
export const EXIT_EVENTS_LOST = 3;

/**
 * How long past drain_timeout the process may live after a signal: time for the exit itself. Past it
 * (a client library that hangs on close, or keeps a socket open) the process exits regardless.
 */
const EXIT_GRACE_MS = 1000;

export const options = {
  config: { type: "string" },
  workflow: { type: "string", multiple: true },
  seed: { type: "string" },
  speed: { type: "string" },
  duration: { type: "string" },
  start: { type: "string" },
  shard: { type: "string" },
  out: { type: "string" },
  target: { type: "string" },
  "allow-host": { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  "metrics-addr": { type: "string" },
  "log-level": { type: "string" },
  set: { type: "string", multiple: true },
  ...summaryFlags,
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>["values"];

export function flagsOf(v: Values): ConfigFlags {
  const set = [...(v.set ?? [])];
  if (v.out !== undefined) set.push(outSinkOverride(v.out));
  const flags: ConfigFlags = { set };
  if (v.target !== undefined) flags.target = v.target;
  if (v["allow-host"] !== undefined) flags.allowHost = v["allow-host"];
  if (v["dry-run"] === true) flags.dryRun = true;
  if (v.workflow) flags.workflow = v.workflow;
  if (v.seed !== undefined) flags.seed = v.seed;
  if (v.speed !== undefined) flags.speed = v.speed;
  if (v.duration !== undefined) flags.duration = v.duration;
  if (v.start !== undefined) flags.start = v.start;
  if (v.shard !== undefined) flags.shard = v.shard;
  if (v["metrics-addr"] !== undefined) flags.metricsAddr = v["metrics-addr"];
  if (v["log-level"] !== undefined) flags.logLevel = v["log-level"];
  return flags;
}

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

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, options);
  const flags = flagsOf(values);
  const file = values.config;
  const config = await loadConfig({ ...(file === undefined ? {} : { file }), flags });
  const log = createLogger(config.log.level, config.log.pretty);
  keepLastRun(config, log);
  const summary = { ...summaryOptions(values, config), command: "run" };
  const daemon = await createDaemon(config, log);
  return supervise(
    daemon,
    config,
    log,
    () => loadConfig({ ...(file === undefined ? {} : { file }), flags }),
    `tracewalk running: ${config.workflows.map((w) => w.preset ?? w.file).join(", ")} at speed ${config.clock.speed}`,
    summary,
  );
}

export const runCommand: Command = {
  usage,
  run,
};
