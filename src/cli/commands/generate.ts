import { DEFAULT_MAX_LENGTH, DEFAULT_SEED, DEFAULT_START } from "../../config/defaults.js";
import { defaultLabelsPath, NO_LABELS_FILE } from "../../config/paths.js";
import { DatasetThread } from "../../daemon/dataset-thread.js";
import type { DatasetJob } from "../../daemon/dataset-worker.js";
import type { DatasetProgress } from "../../daemon/generate.js";
import { ErrorCode, TwError } from "../../errors.js";
import { generationOptions } from "../../sim/options.js";
import { EXIT_THRESHOLDS } from "../../summary/finish.js";
import { instantFlag, intFlag, numberFlag, parseCommandArgs, shardFlag } from "../args.js";
import type { Command } from "../command.js";
import { ProgressBar } from "../progress.js";
import { summaryFlags } from "../summary-flags.js";

const usage = `Usage: tracewalk generate --workflow <preset|file> --users N --out PATH|- [options]
       tracewalk generate --config FILE --out PATH|- [--duration 24h] [--seed S] [--start T] [--shard k/N]

Writes an offline dataset: N users' sessions over a date range, in timestamp order.
With --config: runs the daemon config (its workflows by weight, load model, think time, cascades and
clock.duration, or --duration) at max speed into PATH: the same bytes as
\`tracewalk run --config FILE --speed max --out PATH\`. --set key.path=value overrides any config key.
The flags below marked * are for the --users plan only.
  --workflow W               preset name or workflow file (default ecommerce)
  --users N                * number of users (default 1000)
  --seed S                   seed; same seed and flags give byte-identical output (default ${DEFAULT_SEED})
  --sessions-per-user M[,S]* sessions per user: normal with mean M and std S, at least 1 (default 3,2)
  --days D                 * length of the date range in days (default 7)
  --start ISO-8601|now       start of the range (default ${DEFAULT_START})
  --cascade-rate R         * fraction of sessions that get a cascade in their second half (default 0)
  --max-length N           * most calls per session, retries not counted (default ${DEFAULT_MAX_LENGTH})
  --format jsonl|parquet     output format (default: from --out's extension, else jsonl)
  --out PATH|-               output file, or - for standard output
  --labels PATH              cascade labels file, JSONL (default: --out without its extension plus
                             .labels.jsonl; with --out - or a device such as /dev/null, labels are
                             written only where --labels says)
  --shard k/N                generate only users with index = k mod N (auto/N: k from the pod, as run)
  --no-progress              no progress bar (none is drawn unless stderr is a terminal)
  --json                     print a summary as JSON on stderr when done
  --threshold, --summary FILE, --report FILE.html: with --config, as for \`tracewalk run\` (exit 99
                             when a threshold is crossed)
The summary on stderr names the events file and how many labels went where.`;

const options = {
  config: { type: "string" },
  duration: { type: "string" },
  set: { type: "string", multiple: true },
  workflow: { type: "string" },
  users: { type: "string" },
  seed: { type: "string" },
  "sessions-per-user": { type: "string" },
  days: { type: "string" },
  start: { type: "string" },
  "cascade-rate": { type: "string" },
  "max-length": { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  labels: { type: "string" },
  shard: { type: "string" },
  "no-progress": { type: "boolean" },
  json: { type: "boolean" },
  ...summaryFlags,
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>["values"];

const DAYS = "a number of days from 0.0007 (one minute) to 36500";

function argsError(message: string): TwError {
  return new TwError(ErrorCode.ARGS_INVALID, message);
}

function parseSessions(text: string | undefined): { mean: number; std: number } {
  if (text === undefined) return { mean: 3, std: 2 };
  const [m, s] = text.split(",");
  const mean = numberFlag("sessions-per-user", m, 3, 1, 65535);
  const std = numberFlag("sessions-per-user", s, 0, 0, 65535);
  return { mean, std };
}

async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, options);
  if (v.out === undefined) throw argsError("--out is required (a file path, or - for standard output)");
  const format = v.format ?? (v.out.endsWith(".parquet") ? "parquet" : "jsonl");
  if (format !== "jsonl" && format !== "parquet")
    throw argsError(`--format: expected jsonl or parquet, got "${format}"`);
  if (v.config !== undefined) return fromConfig(v.config, v, format);
  const summaryOnly = (["threshold", "summary", "report"] as const).filter((f) => v[f] !== undefined);
  if (summaryOnly.length > 0) throw argsError(`--${summaryOnly[0]}: only with --config`);
  const shard = shardFlag("shard", v.shard);
  const seed = v.seed === undefined ? DEFAULT_SEED : /^-?\d+$/.test(v.seed) ? Number(v.seed) : v.seed;
  const out = v.out;
  if (out === "-" && format === "parquet") throw argsError("--format parquet needs a file for --out, not -");
  const labels = v.labels ?? besideOut(out);
  checkPaths(out, format, labels);
  const spec: Omit<DatasetJob, "workflow"> = {
    generation: generationOptions({
      seed,
      maxLength: intFlag("max-length", v["max-length"], DEFAULT_MAX_LENGTH, 1),
      cascade: {
        ...generationOptions().cascade,
        rate: numberFlag("cascade-rate", v["cascade-rate"], 0, 0, 1),
      },
    }),
    users: intFlag("users", v.users, 1000, 1),
    sessionsPerUser: parseSessions(v["sessions-per-user"]),
    startMs: instantFlag("start", v.start ?? DEFAULT_START, true)!,
    durationMs: numberFlag("days", v.days, 7, 1 / 1440, 36500, DAYS) * 86_400_000,
    shard,
    out,
    format,
    ...(labels === undefined ? {} : { labels }),
  };
  // The worker loads its modules (~0.14 s) while this thread loads the workflow's and the sink's.
  const thread = new DatasetThread<DatasetJob>();
  try {
    return await fromPlan(v, spec, thread);
  } finally {
    thread.release();
  }
}

/** `generate --users`: the offline plan, on the dataset worker started for it. */
async function fromPlan(
  v: Values,
  spec: Omit<DatasetJob, "workflow">,
  thread: DatasetThread<DatasetJob>,
): Promise<number> {
  const { loadWorkflow } = await import("../../workflow/index.js");
  const workflow = await loadWorkflow(v.workflow ?? "ecommerce", (w) =>
    process.stderr.write(`tracewalk generate: warning: ${w.path}: ${w.message}\n`),
  );
  const { out, labels, format, shard } = spec;
  const seed = spec.generation.seed;
  const job: DatasetJob = { workflow, ...spec };
  // The worker starts on the job while this thread loads the modules that take its output (~0.1 s).
  thread.send(job);
  const { runDatasetJob } = await import("../../daemon/dataset-worker.js");
  const bar = new ProgressBar(process.stderr, !v["no-progress"] && process.stderr.isTTY === true);
  const show = (p: DatasetProgress) => {
    // Not even the label when nothing is drawn: the first toLocaleString costs ~30 ms (ICU's set-up).
    if (!bar.enabled) return;
    const n = (x: number) => x.toLocaleString("en-US");
    bar.update(p.sessionsDone, p.sessionsTotal, p.events, `users ${n(p.usersDone)}/${n(p.usersTotal)} done`);
  };
  if ((out === "-" || labels === undefined) && job.generation.cascade.rate > 0) {
    process.stderr.write(`tracewalk generate: ${labelsNotice(out, labels)}\n`);
  }
  const result = await runDatasetJob(job, show, thread);
  show(result);
  bar.finish();
  const where = out === "-" ? "standard output" : out;
  const summary = {
    ...result,
    out: where,
    labels_out: labels ?? null,
    format,
    workflow: workflow.name,
    seed,
    shard: `${shard.index}/${shard.count}`,
  };
  if (v.json) process.stderr.write(`${JSON.stringify(summary)}\n`);
  else if (out !== "-") {
    const wrote = `wrote ${result.events} events of ${result.sessionsDone} sessions to ${where}`;
    process.stderr.write(`${wrote}; ${labelsSummary(result.labels, labels)}\n`);
  }
  return 0;
}

/** Flags of the `--users` plan, which a config replaces (its load, generation and clock sections). */
const PLAN_ONLY = ["users", "sessions-per-user", "days", "cascade-rate", "max-length"] as const;

/** `generate --config`: the daemon's drive loop at max speed into one output. */
async function fromConfig(file: string, v: Values, format: "jsonl" | "parquet"): Promise<number> {
  const planOnly = PLAN_ONLY.filter((f) => v[f] !== undefined);
  if (planOnly.length > 0) {
    const names = planOnly.map((f) => `--${f}`).join(", ");
    throw argsError(`${names}: not with --config (the config's load, generation and clock sections decide)`);
  }
  if (v.out === "-" && format === "parquet")
    throw argsError("--format parquet needs a file for --out, not -");
  const labels = v.labels ?? besideOut(v.out!);
  checkPaths(v.out!, format, labels);
  const { generateFromConfig } = await import("../generate-config.js");
  const result = await generateFromConfig({
    config: file,
    out: v.out!,
    format,
    ...(labels === undefined ? {} : { labels }),
    ...(v.seed === undefined ? {} : { seed: v.seed }),
    ...(v.start === undefined ? {} : { start: v.start }),
    ...(v.duration === undefined ? {} : { duration: v.duration }),
    ...(v.shard === undefined ? {} : { shard: v.shard }),
    ...(v.workflow === undefined ? {} : { workflow: v.workflow }),
    ...(v.set === undefined ? {} : { set: v.set }),
    summary: v,
  });
  if (v.json) process.stderr.write(`${JSON.stringify(result)}\n`);
  else if (v.out !== "-") {
    const where = result.labels_out === null ? "" : `; labels to ${result.labels_out}`;
    process.stderr.write(
      `wrote ${result.events} events of ${result.sessions} sessions to ${result.out}${where}\n`,
    );
  }
  return result.passed ? 0 : EXIT_THRESHOLDS;
}

/** Refuses outputs that would land where the user does not expect them, or under a misleading name. */
function checkPaths(out: string, format: string, labels: string | undefined): void {
  if (format === "jsonl" && /\.parquet$/i.test(out)) {
    throw argsError(`--out ${out}: --format jsonl would write JSON lines under a Parquet name`);
  }
  if (labels !== undefined && /\.parquet$/i.test(labels)) {
    throw argsError(`--labels ${labels}: labels are written as JSON lines; use a .jsonl path`);
  }
  if (labels === out) throw argsError(`--labels: must differ from --out, got "${labels}" for both`);
}

/** The labels file beside `--out`; none for standard output or a device (no file goes beside those). */
function besideOut(out: string): string | undefined {
  if (out === "-") return undefined;
  const path = defaultLabelsPath(out);
  return path === NO_LABELS_FILE ? undefined : path;
}

/** Where the labels of a run to standard output or a device go, said before it starts. */
function labelsNotice(out: string, labels: string | undefined): string {
  if (labels !== undefined) return `cascade labels go to ${labels}`;
  const why = out === "-" ? "with --out -" : `beside ${out}, which is not a regular file`;
  return `cascade labels are not written ${why} (add --labels PATH to keep them)`;
}

/** The labels part of the summary line. */
function labelsSummary(count: number, labels: string | undefined): string {
  if (count === 0) return "no labels";
  const n = `${count} label${count === 1 ? "" : "s"}`;
  return labels === undefined ? `${n} not written (no --labels)` : `${n} to ${labels}`;
}

export const generateCommand: Command = {
  usage,
  run,
};
