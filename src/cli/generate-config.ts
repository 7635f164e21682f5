import { type Stats, statSync } from "node:fs";
import { type ConfigFlags, loadConfig } from "../config/index.js";
import { outSinkOverride } from "../config/out-sink.js";
import { NO_LABELS_FILE } from "../config/paths.js";
import { createDaemon, createLogger, totalUndelivered } from "../daemon/index.js";
import { ErrorCode, TwError } from "../errors.js";
import { publishSummary, summarize } from "../summary/finish.js";
import { type SummaryValues, summaryOptions } from "./summary-flags.js";

/** What `generate --config` takes from the command line; the config decides everything else. */
export interface ConfigDatasetOptions {
  config: string;
  out: string;
  format: "jsonl" | "parquet";
  labels?: string;
  seed?: string;
  start?: string;
  duration?: string;
  shard?: string;
  workflow?: string;
  set?: readonly string[];
  /** --threshold, --summary, --report. */
  summary?: SummaryValues;
}

/** The summary `generate --config` prints. */
export interface ConfigDatasetResult {
  events: number;
  sessions: number;
  out: string;
  labels_out: string | null;
  format: "jsonl" | "parquet";
  seed: number | string;
  /** Every threshold held (none: true). */
  passed: boolean;
}

/**
 * Runs a daemon config at `max` speed into one output: the daemon's own drive loop, so the bytes are
 * those of `tracewalk run --config FILE --speed max --out PATH`. The config must end by itself.
 */
export async function generateFromConfig(o: ConfigDatasetOptions): Promise<ConfigDatasetResult> {
  const flags: ConfigFlags = {
    speed: "max",
    set: [...(o.set ?? []), outSinkOverride(o.out, o.format, o.labels), "metrics.enabled=false"],
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.start === undefined ? {} : { start: o.start }),
    ...(o.duration === undefined ? {} : { duration: o.duration }),
    ...(o.shard === undefined ? {} : { shard: o.shard }),
    ...(o.workflow === undefined ? {} : { workflow: o.workflow }),
  };
  // An offline run serves no control API: its token (and the variable it names) is not needed.
  const config = await loadConfig({ file: o.config, flags, unused: ["control"] });
  if (config.clock.duration === undefined) {
    throw new TwError(
      ErrorCode.ARGS_INVALID,
      `${o.config}: generate --config needs a virtual length: set clock.duration in the config, or --duration`,
    );
  }
  // Warnings (workflow warnings, where labels go) and errors only: a dataset run is not a daemon.
  const log = createLogger(config.log.level === "info" ? "warn" : config.log.level, config.log.pretty);
  const sink = config.sinks[0]!;
  const labelsPath =
    "labels_path" in sink && sink.labels_path !== NO_LABELS_FILE ? sink.labels_path : undefined;
  const before = labelsPath === undefined ? undefined : statOf(labelsPath);
  const summaryOpts = summaryOptions(o.summary ?? {}, config);
  const daemon = await createDaemon(config, log);
  // SIGTERM/SIGINT stop it as they stop `run`: bounded by drain_timeout, what was lost counted (exit 3).
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping = true;
    log.warn({ signal, drain_timeout_ms: config.drain_timeout }, "stopping: the dataset will be partial");
    daemon.stop(config.drain_timeout);
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  try {
    const summary = await daemon.run();
    const lost = totalUndelivered(await daemon.close());
    if (daemon.sinks.failure) throw daemon.sinks.failure;
    if (lost > 0) throw new TwError(ErrorCode.EVENTS_UNDELIVERED, `${lost} events were not written`);
    const counts = { ...summary, undelivered: lost };
    const s = await summarize(
      daemon.summary,
      daemon.registry,
      counts,
      "generate",
      config.seed,
      summaryOpts.thresholds,
    );
    const passed = await publishSummary(s, summaryOpts, log);
    return {
      events: summary.events,
      sessions: summary.sessionsCompleted,
      out: o.out === "-" ? "standard output" : o.out,
      labels_out: labelsPath !== undefined && writtenSince(labelsPath, before) ? labelsPath : null,
      format: o.format,
      seed: config.seed,
      passed,
    };
  } catch (err) {
    await daemon.abort();
    throw err;
  } finally {
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Whether this run wrote the labels file: a sink creates it only when a label arrives (opening it
 * anew), so a file absent before, replaced, or modified since is this run's; one left untouched (a
 * run with no cascade) is not, and the summary must not name it.
 */
function writtenSince(path: string, before: Stats | undefined): boolean {
  const after = statOf(path);
  if (after === undefined) return false;
  if (before === undefined) return true;
  return after.ino !== before.ino || after.mtimeMs !== before.mtimeMs || after.size !== before.size;
}
