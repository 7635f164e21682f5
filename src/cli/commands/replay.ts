import { loadConfig, redactUrl } from "../../config/index.js";
import { createDaemon, createLogger, replaySessions } from "../../daemon/index.js";
import { ErrorCode, TwError } from "../../errors.js";
import { checkFormat, DEFAULT_GAP_MS } from "../../recordings/index.js";
import { readRecording } from "../../replay/index.js";
import { replaySource } from "../../replay/source.js";
import { durationFlag, instantFlag, intFlag, parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";
import { keepLastRun } from "../keep-last-run.js";
import { buildWhileSinksStart } from "../prestart.js";
import { summaryOptions } from "../summary-flags.js";
import { supervise } from "../supervise.js";
import { flagsOf, options as runOptions } from "./run.js";

const usage = `Usage: tracewalk replay --input FILE [options]

Sends recorded calls again, to a target (--target, HTTP mode) and/or the sinks, keeping their spacing
in time scaled by --speed, shifted to now. Each session waits for its responses: a call goes at its
recorded offset, or when the previous response came back if that is later.
  --input FILE|-         Event v1 JSONL or Parquet, or an nginx/Apache combined access log
  --format F             jsonl|parquet|combined (default: by extension and first line)
  --speed N|max          10 replays ten times faster; max as fast as responses allow (default 1)
  --loop                 start over when the recording ends, until stopped (fresh session ids)
  --from ISO-8601        keep the calls at or after this instant of the recording
  --to ISO-8601          keep the calls before this instant
  --endpoints GLOB       keep calls whose endpoint (access logs: path) matches (repeatable; * any)
  --multiply N           N copies of each session, fresh ids, starts spread over a second
  --start ISO-8601       into the sinks: lay the recording from this instant (default: now), so the
                         same recording, config and seed give the same bytes
  --shard k/N            replay the recorded sessions whose index is k mod N (auto/N: from the pod)
  --gap 30m              access logs: a client's silence that splits its sessions
  --target URL, --allow-host HOST, --dry-run, --config FILE, --out PATH|-, --duration, --set,
  --metrics-addr, --log-level, --threshold, --summary FILE, --report FILE.html: as for \`tracewalk run\`

Without --target the calls go to the sinks as recorded (status, latency, cascade_id); the config's
cascades change the calls their windows touch as they change generated calls (windows are planned up
to the last replayed call, or on with --loop). Signals and exit status as for \`tracewalk run\`.`;

const options = {
  ...runOptions,
  input: { type: "string" },
  format: { type: "string" },
  loop: { type: "boolean" },
  from: { type: "string" },
  to: { type: "string" },
  endpoints: { type: "string", multiple: true },
  multiply: { type: "string" },
  gap: { type: "string" },
} as const;

async function replay(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, options);
  if (values.input === undefined)
    throw new TwError(ErrorCode.ARGS_INVALID, `--input is required (try --help)`);
  const format = checkFormat(values.format);
  const multiply = intFlag("multiply", values.multiply, 1, 1);
  const gapMs = durationFlag("gap", values.gap, DEFAULT_GAP_MS, 1);
  const from = instantFlag("from", values.from);
  const to = instantFlag("to", values.to);
  const flags = flagsOf({ ...values, speed: values.speed ?? "1" });
  const file = values.config;
  const config = await loadConfig({ ...(file === undefined ? {} : { file }), flags });
  const log = createLogger(config.log.level, config.log.pretty);
  const summary = { ...summaryOptions(values, config), command: "replay" };
  const speed = config.clock.speed;
  if (values.start !== undefined && config.target !== undefined && !config.target.dry_run) {
    throw new TwError(ErrorCode.ARGS_INVALID, "--start: a replay to a target runs from now; drop --start");
  }
  const input = values.input;
  // The Kafka sinks' producer threads load their library while the recording is read.
  const daemon = await buildWhileSinksStart(config, async () => {
    const recording = await readRecording(input, {
      ...(format === undefined ? {} : { format }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(values.endpoints === undefined ? {} : { endpoints: values.endpoints }),
      gapMs,
      multiply,
    });
    const source = replaySource(recording, {
      // Into the sinks, --start lays the recording from a fixed instant: the same bytes every time.
      originMs: values.start === undefined ? Date.now() : Date.parse(config.clock.start),
      scale: speed === "max" ? 1 : speed,
      loop: values.loop === true,
    });
    log.info(
      { sessions: recording.sessions.length, calls: recording.calls, skipped: recording.skipped },
      `recording read: ${input}`,
    );
    keepLastRun(config, log);
    return createDaemon(config, log, undefined, replaySessions(source));
  });
  const to_ = config.target === undefined ? "the sinks" : redactUrl(config.target.url);
  return supervise(
    daemon,
    config,
    log,
    () => loadConfig({ ...(file === undefined ? {} : { file }), flags }),
    `tracewalk replaying ${input} at speed ${speed}${values.loop ? ", looping" : ""} to ${to_}`,
    summary,
  );
}

export const replayCommand: Command = { usage, run: replay };
