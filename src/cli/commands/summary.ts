import { readFile, writeFile } from "node:fs/promises";
import { ErrorCode, TwError } from "../../errors.js";
import { EXIT_THRESHOLDS } from "../../summary/finish.js";
import { summarySchema } from "../../summary/schema.js";
import { mergeSummaries, type SummaryV1 } from "../../summary/summary.js";
import { formatTable } from "../../summary/table.js";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";

const usage = `Usage: tracewalk summary merge A.json B.json … [--out FILE] [--report FILE.html]

Merges the --summary files of N shards (or runs) into one: counts add, latency histograms and
timelines merge exactly, and the thresholds are evaluated again on the whole. Prints the table on
stderr and the merged summary on stdout (or --out FILE).
  --out FILE             write the merged summary here instead of stdout
  --report FILE.html     write the HTML report of the merged summary

Exit status: 0; 99 when a threshold is crossed on the whole; 2 bad input.`;

const options = { out: { type: "string" }, report: { type: "string" } } as const;

async function readSummary(path: string): Promise<SummaryV1> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new TwError(
      ErrorCode.INPUT_INVALID,
      `${path}: not a readable JSON file (${(err as Error).message})`,
    );
  }
  const r = summarySchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new TwError(
      ErrorCode.INPUT_INVALID,
      `${path}: not a tracewalk.summary/v1 file: ${i.path.join(".") || "(root)"}: ${i.message}`,
    );
  }
  return r.data as SummaryV1;
}

async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options, true);
  const [sub, ...files] = positionals;
  if (sub !== "merge")
    throw new TwError(ErrorCode.ARGS_INVALID, `expected "summary merge FILE…", got "${sub ?? ""}"`);
  if (files.length === 0)
    throw new TwError(ErrorCode.ARGS_INVALID, "summary merge: expected at least one summary file");
  if (values.report !== undefined && !/\.html?$/i.test(values.report)) {
    throw new TwError(ErrorCode.ARGS_INVALID, `--report ${values.report}: expected a .html file`);
  }
  const merged = mergeSummaries(await Promise.all(files.map(readSummary)));
  process.stderr.write(formatTable(merged));
  const text = `${JSON.stringify(merged, null, 1)}\n`;
  if (values.out === undefined) process.stdout.write(text);
  else await writeFile(values.out, text);
  if (values.report !== undefined) {
    const { renderReport } = await import("../../summary/report.js");
    await writeFile(values.report, renderReport(merged));
  }
  return merged.passed ? 0 : EXIT_THRESHOLDS;
}

export const summaryCommand: Command = { usage, run: merge };
