import { type ConfigFlags, loadConfig } from "../../config/index.js";
import { outSinkOverride } from "../../config/out-sink.js";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";
import { keepLastRun } from "../keep-last-run.js";
import { buildWhileSinksStart } from "../prestart.js";
import { summaryFlags, summaryOptions } from "../summary-flags.js";

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

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, options);
  const flags = flagsOf(values);
  const file = values.config;
  const config = await loadConfig({ ...(file === undefined ? {} : { file }), flags });
  // The Kafka sinks' producer threads load their library while this thread imports the daemon (~0.1 s).
  const { daemon, log, supervise } = await buildWhileSinksStart(config, async () => {
    const [d, s] = await Promise.all([import("../../daemon/index.js"), import("../supervise.js")]);
    const log = d.createLogger(config.log.level, config.log.pretty);
    keepLastRun(config, log);
    return { daemon: await d.createDaemon(config, log), log, supervise: s.supervise };
  });
  const summary = { ...summaryOptions(values, config), command: "run" };
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
