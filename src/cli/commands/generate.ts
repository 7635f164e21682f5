import { type DatasetJob, runDatasetJob } from "../../daemon/dataset-worker.js";
import type { DatasetProgress } from "../../daemon/generate.js";
import { ErrorCode, TwError } from "../../errors.js";
import {
  DEFAULT_MAX_LENGTH,
  DEFAULT_SEED,
  DEFAULT_START,
  generationOptions,
  parseShard,
} from "../../sim/index.js";
import { loadWorkflow } from "../../workflow/index.js";
import { intFlag, numberFlag, parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";
import { ProgressBar } from "../progress.js";

const usage = `Usage: tracewalk generate --workflow <preset|file> --users N --out PATH|- [options]

Writes an offline dataset: N users' sessions over a date range, in timestamp order.
  --workflow W               preset name or workflow file (default ecommerce)
  --users N                  number of users (default 1000)
  --seed S                   seed; same seed and flags give byte-identical output (default ${DEFAULT_SEED})
  --sessions-per-user M[,S]  sessions per user: normal with mean M and std S, at least 1 (default 3,2)
  --days D                   length of the date range in days (default 7)
  --start ISO-8601           start of the range (default ${DEFAULT_START})
  --cascade-rate R           fraction of sessions that get a cascade in their second half (default 0)
  --max-length N             most calls per session, retries not counted (default ${DEFAULT_MAX_LENGTH})
  --format jsonl|parquet     output format (default: from --out's extension, else jsonl)
  --out PATH|-               output file, or - for standard output
  --labels PATH              cascade labels file (default <out>.labels.jsonl; none for -)
  --shard k/N                generate only users with index = k mod N
  --threads N                worker threads for JSONL (advanced; default 1), merged in timestamp order;
                             the output is byte-identical for every N
  --no-progress              no progress bar (none is drawn unless stderr is a terminal)
  --json                     print a summary as JSON on stderr when done`;

const options = {
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
  threads: { type: "string" },
  "no-progress": { type: "boolean" },
  json: { type: "boolean" },
} as const;

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

function threadsFlag(text: string): number {
  const n = intFlag("threads", text, 1, 1);
  if (n > 64) throw argsError(`--threads: expected at most 64, got "${text}"`);
  return n;
}

function parseStart(text: string | undefined): number {
  const ms = Date.parse(text ?? DEFAULT_START);
  if (Number.isNaN(ms)) throw argsError(`--start: expected an ISO-8601 instant, got "${text}"`);
  return ms;
}

async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, options);
  if (v.out === undefined) throw argsError("--out is required (a file path, or - for standard output)");
  const format = v.format ?? (v.out.endsWith(".parquet") ? "parquet" : "jsonl");
  if (format !== "jsonl" && format !== "parquet")
    throw argsError(`--format: expected jsonl or parquet, got "${format}"`);
  const shard = parseShard(v.shard ?? "0/1");
  if (shard === null) throw argsError(`--shard: expected k/N with 0 <= k < N, got "${v.shard}"`);
  const seed = v.seed === undefined ? DEFAULT_SEED : /^-?\d+$/.test(v.seed) ? Number(v.seed) : v.seed;
  const workflow = await loadWorkflow(v.workflow ?? "ecommerce");
  if (v.out === "-" && format === "parquet")
    throw argsError("--format parquet needs a file for --out, not -");
  const job: DatasetJob = {
    workflow,
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
    startMs: parseStart(v.start),
    durationMs: numberFlag("days", v.days, 7, 1 / 1440, 36500) * 86_400_000,
    shard,
    out: v.out,
    format,
    ...(v.labels === undefined ? {} : { labels: v.labels }),
    ...(v.threads === undefined ? {} : { parallel: threadsFlag(v.threads) }),
  };
  const bar = new ProgressBar(process.stderr, !v["no-progress"] && process.stderr.isTTY === true);
  const show = (p: DatasetProgress) => {
    const n = (x: number) => x.toLocaleString("en-US");
    bar.update(p.sessionsDone, p.sessionsTotal, p.events, `users ${n(p.usersDone)}/${n(p.usersTotal)} done`);
  };
  const result = await runDatasetJob(job, show).catch((err: Error & { code?: string }) => {
    throw Object.values(ErrorCode).includes(err.code as ErrorCode)
      ? new TwError(err.code as ErrorCode, err.message)
      : err;
  });
  show(result);
  bar.finish();
  const where = v.out === "-" ? "standard output" : v.out;
  const summary = {
    ...result,
    out: where,
    format,
    workflow: workflow.name,
    seed,
    shard: `${shard.index}/${shard.count}`,
  };
  if (v.json) process.stderr.write(`${JSON.stringify(summary)}\n`);
  else if (v.out !== "-")
    process.stderr.write(`wrote ${result.events} events of ${result.sessionsDone} sessions to ${where}\n`);
  return 0;
}

export const generateCommand: Command = {
  usage,
  run,
};
