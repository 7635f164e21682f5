import { writeFile } from "node:fs/promises";
import { fitInputs, formatFitReport } from "../../analysis/fit/index.js";
import { ErrorCode, TwError } from "../../errors.js";
import { checkFormat, DEFAULT_GAP_MS } from "../../recordings/index.js";
import { durationFlag, intFlag, numberFlag, parseCommandArgs, requiredFlag } from "../args.js";
import type { Command } from "../command.js";

const USAGE = [
  "Usage: tracewalk fit --input FILE... --out workflow.yaml [options]",
  "",
  "Learns a workflow from recorded calls: Event v1 (JSONL or Parquet, `-` for stdin) or nginx/Apache",
  "combined access logs, gzipped or not (`.gz`). Sessions are rebuilt by session_id (events) or by the",
  "log's user, else client address and user agent (logs), split at --gap of silence; log paths are",
  "templated (numeric, UUID, hex and long-token segments become {id}, {id2}, ...). Writes entry points,",
  "transitions with $end, exit points, response times, error rates (status >= 400) and parameters; the",
  "report (stderr, or JSON on stdout with --json) gives each row's count and each probability's 95%",
  "interval, and a think-time suggestion for the daemon config.",
  "",
  "Exit code 0 written; 2 bad input (unreadable file, with --strict a malformed line, bad flags).",
  "",
  "Options:",
  "  --input FILE|-        an input; repeat it (or list files after the flags) for several, read in order",
  "  --out FILE|-          where the workflow YAML goes (- for stdout, not with --json)",
  "  --name N              the workflow's name (default fitted)",
  "  --format F            jsonl, parquet or combined (default: .parquet by extension, else by the first line)",
  "  --strict              stop at the first malformed line (file:line), exit 2; default: skip and count",
  "  --gap D               silence that ends a session (default 30m)",
  "  --min-count N         drop transitions seen fewer than N times (a row's most frequent target stays)",
  "  --smooth A            add A pseudo-counts to each observed transition of a row (default 0)",
  "  --template PATTERN    an explicit path template such as /api/users/{id}/orders (repeatable; wins",
  "                        over the automatic rules)",
  "  --threads N           1, or 2 (default): one file of Event v1 lines of 256 MiB or more, in time",
  "                        order, is read in two halves at once (the report says how it was read)",
  "  --json                print the report as one JSON object on stdout",
].join("\n");

const OPTIONS = {
  input: { type: "string", multiple: true },
  out: { type: "string" },
  name: { type: "string" },
  format: { type: "string" },
  strict: { type: "boolean" },
  gap: { type: "string" },
  "min-count": { type: "string" },
  smooth: { type: "string" },
  template: { type: "string", multiple: true },
  threads: { type: "string" },
  json: { type: "boolean" },
} as const;

function args(message: string): TwError {
  return new TwError(ErrorCode.ARGS_INVALID, message);
}

function threadsFlag(value: string | undefined): 1 | 2 {
  if (value === undefined || value === "2") return 2;
  if (value === "1") return 1;
  throw args(`--threads: expected 1 or 2, got "${value}"`);
}

function templatesFlag(values: readonly string[] = []): string[] {
  for (const t of values) {
    if (!t.startsWith("/")) throw args(`--template: expected a path starting with /, got "${t}"`);
  }
  return [...values];
}

async function writeOut(path: string, text: string): Promise<void> {
  if (path === "-") {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(path, text);
  } catch (err) {
    const message = `cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    throw new TwError(ErrorCode.OUTPUT_INVALID, `${path}: ${message}`);
  }
}

/** `tracewalk fit`: learn a workflow from events or access logs, write it, and report how sure it is. */
export const fitCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    const inputs = [...(values.input ?? []), ...positionals];
    if (inputs.length === 0) throw args(`--input is required\n\n${USAGE}`);
    const out = requiredFlag("out", values.out, USAGE);
    if (out === "-" && values.json)
      throw args("--out - and --json both want stdout: write the workflow to a file");
    const fitting = fitInputs(inputs, {
      name: values.name ?? "fitted",
      format: checkFormat(values.format),
      strict: values.strict ?? false,
      gapMs: durationFlag("gap", values.gap, DEFAULT_GAP_MS, 1),
      minCount: intFlag("min-count", values["min-count"], 0, 0),
      smooth: numberFlag("smooth", values.smooth, 0, 0),
      templates: templatesFlag(values.template),
      threads: threadsFlag(values.threads),
    });
    // yaml (~50 ms to load) loads while the input is read, not before: a large file's second half is
    // read by a worker that fitInputs started before its first wait, and the first half is done first.
    const toYaml = import("../../workflow/to-yaml.js");
    toYaml.catch(() => {}); // awaited below once the input is read; fitInputs' error comes first
    const report = await fitting;
    if (report.sessions.sessions === 0) {
      const why = report.input.examples.map((e) => `\n  ${e}`).join("");
      throw new TwError(ErrorCode.INPUT_INVALID, `${inputs.join(", ")}: no calls to learn from${why}`);
    }
    await writeOut(out, (await toYaml).workflowToYaml(report.workflow));
    process.stderr.write(formatFitReport(report));
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  },
};
