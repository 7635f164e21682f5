import { type ConfigFlags, loadConfig } from "../config/index.js";
import { outSinkOverride } from "../config/out-sink.js";
import { createDaemon } from "../daemon/daemon.js";
import { createLogger } from "../daemon/log.js";
import { totalUndelivered } from "../daemon/sinks.js";
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
  const config = await loadConfig({ file: o.config, flags });
  if (config.clock.duration === undefined) {
    throw new TwError(
      ErrorCode.ARGS_INVALID,
      `${o.config}: generate --config needs a virtual length: set clock.duration in the config, or --duration`,
    );
  }
  // Warnings (workflow warnings, where labels go) and errors only: a dataset run is not a daemon.
  const log = createLogger(config.log.level === "info" ? "warn" : config.log.level, config.log.pretty);
  const summaryOpts = summaryOptions(o.summary ?? {}, config);
  const daemon = await createDaemon(config, log);
  try {
    const summary = await daemon.run();
    const lost = totalUndelivered(await daemon.close());
    if (daemon.sinks.failure) throw daemon.sinks.failure;
    if (lost > 0) throw new TwError(ErrorCode.SINK_FAILED, `${lost} events were not written`);
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
    const sink = config.sinks[0]!;
    return {
      events: summary.events,
      sessions: summary.sessionsCompleted,
      out: o.out === "-" ? "standard output" : o.out,
      labels_out: "labels_path" in sink && sink.labels_path !== undefined ? sink.labels_path : null,
      format: o.format,
      seed: config.seed,
      passed,
    };
  } catch (err) {
    await daemon.abort();
    throw err;
  }
}
