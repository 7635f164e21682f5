import { Templater } from "../../recordings/index.js";
import type { Workflow } from "../../workflow/types.js";
import { buildWorkflow, type FitOptions, type FitRow } from "./build.js";
import { HALVES_FROM, halfway, type Reading, readHalves } from "./halves.js";
import { type FitFormat, type InputTally, readCalls } from "./input.js";
import { SessionKeys } from "./keys.js";
import { FitLearner, type LearnTally } from "./learner.js";
import type { LogHistogram } from "./stats.js";

export interface FitRunOptions extends FitOptions {
  format: FitFormat | undefined;
  strict: boolean;
  gapMs: number;
  templates: readonly string[];
  /** 2 (the default): a single file of Event v1 lines of `halvesFrom` bytes or more is read in two halves at once. */
  threads?: 1 | 2;
  /** Bytes from which a file is read in halves (default HALVES_FROM). */
  halvesFrom?: number;
}

/** Think times between a response and the next request of the session, in seconds. */
export interface ThinkTime {
  count: number;
  min_s: number;
  median_s: number;
  p95_s: number;
  max_s: number;
  /** Values for a config's `generation.think_time` that roughly reproduce this distribution. */
  suggested: {
    min_s: number;
    max_s: number;
    long_probability: number;
    long_min_s: number;
    long_max_s: number;
  };
}

/** Everything fit learned and how sure it is; `workflow` is what it writes. */
export interface FitReport {
  workflow: Workflow;
  rows: FitRow[];
  rare: { endpoint: string; calls: number }[];
  input: InputTally;
  sessions: LearnTally;
  think_time: ThinkTime;
  /** On how many threads the input was read, and why on one when two were tried. */
  reading: Reading;
}

const s = (ms: number) => Math.round(ms) / 1000;

/** The think-time summary of a histogram, and the config values that roughly reproduce it. */
export function thinkTime(h: LogHistogram): ThinkTime {
  // Ordinary pauses uniform between p5 and p90; the slowest tenth as long pauses up to p99.
  const [p5, p90, p99] = [h.quantile(0.05), h.quantile(0.9), h.quantile(0.99)];
  return {
    count: h.count,
    min_s: s(h.count === 0 ? 0 : h.min),
    median_s: s(h.quantile(0.5)),
    p95_s: s(h.quantile(0.95)),
    max_s: s(h.max),
    suggested: { min_s: s(p5), max_s: s(p90), long_probability: 0.1, long_min_s: s(p90), long_max_s: s(p99) },
  };
}

/** Reads every input in turn into one learner and builds the workflow; throws TwError on bad input. */
export async function fitInputs(paths: readonly string[], o: FitRunOptions): Promise<FitReport> {
  const learner = new FitLearner(o.gapMs);
  const input: InputTally = { lines: 0, malformed: 0, skipped: 0, examples: [] };
  const read = {
    format: o.format,
    strict: o.strict,
    templater: new Templater(o.templates),
    keys: new SessionKeys(),
  };
  const from =
    paths.length === 1 && o.threads !== 1 ? halfway(paths[0]!, read, o.halvesFrom ?? HALVES_FROM) : null;
  let reading: Reading = { threads: 1 };
  if (from !== null) reading = await readHalves(paths[0]!, read, input, learner, o.gapMs, from);
  else for (const path of paths) await readCalls(path, read, input, (call) => learner.add(call));
  return fitReport(learner, input, o, reading);
}

/** Finishes the learner (its open sessions end) and builds the workflow and the report. */
export function fitReport(
  learner: FitLearner,
  input: InputTally,
  o: FitOptions,
  reading: Reading,
): FitReport {
  learner.finish();
  const { workflow, rows, rare } = buildWorkflow(learner, o);
  const think_time = thinkTime(learner.think);
  return { workflow, rows, rare, input, sessions: learner.tally, think_time, reading };
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/** The report as text: input counts, each row with its probabilities and 95% intervals, rare endpoints, think time. */
export function formatFitReport(r: FitReport): string {
  const out = [
    `read ${r.input.lines} lines: ${r.sessions.calls} calls in ${r.sessions.sessions} sessions` +
      ` (${r.sessions.retries} retries, ${r.sessions.duplicates} duplicates), ${r.input.malformed} malformed, ${r.input.skipped} skipped`,
    ...r.input.examples.map((e) => `  malformed: ${e}`),
    "",
  ];
  for (const row of r.rows) {
    out.push(`${row.source}  (n=${row.n})`);
    for (const e of row.edges) {
      out.push(`  -> ${e.target}  ${e.p.toFixed(4)}  [${pct(e.low)}, ${pct(e.high)}]  count ${e.count}`);
    }
    for (const [target, count] of Object.entries(row.pruned)) out.push(`  pruned ${target} (count ${count})`);
  }
  if (r.rare.length > 0) {
    out.push("", "seen too rarely to trust:", ...r.rare.map((e) => `  ${e.endpoint} (${e.calls} calls)`));
  }
  if (r.reading.threads === 2) out.push("", "read in two halves at once (--threads 2)");
  else if (r.reading.why !== undefined) out.push("", `read on one thread: ${r.reading.why}`);
  const t = r.think_time;
  out.push(
    "",
    `think time (${t.count} gaps): min ${t.min_s}s, median ${t.median_s}s, p95 ${t.p95_s}s, max ${t.max_s}s`,
    "workflows carry no think time; for a similar pace set in the daemon config:",
    `  generation: { think_time: { min_s: ${t.suggested.min_s}, max_s: ${t.suggested.max_s}, long_probability: ${t.suggested.long_probability}, long_min_s: ${t.suggested.long_min_s}, long_max_s: ${t.suggested.long_max_s} } }`,
  );
  return `${out.join("\n")}\n`;
}
