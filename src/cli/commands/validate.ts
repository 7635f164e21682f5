import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { isTwError, type Problem } from "../../errors.js";
import { endpointsOf, loadWorkflow } from "../../workflow/index.js";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";

/** The report on one argument of `validate`, as `--json` prints it. */
export interface ValidationReport {
  file: string;
  valid: boolean;
  /** Workflow name and endpoint count, when valid. */
  name?: string;
  endpoints?: number;
  /** The error's headline when the file could not be read or is not a workflow, else absent. */
  error?: string;
  problems: Problem[];
  /** Findings that do not make the file invalid (`--strict` makes them fail). */
  warnings: Problem[];
}

/** A YAML file is a daemon config, not a workflow, when it has config keys and no transitions. */
async function isConfigFile(file: string): Promise<boolean> {
  if (!/\.ya?ml$/.test(file)) return false;
  try {
    const doc: unknown = parse(await readFile(file, "utf8"));
    if (doc === null || typeof doc !== "object" || "transitions" in doc) return false;
    // The config schema is built only for files that may be configs, so a workflow validates quickly.
    const { CONFIG_KEYS } = await import("../../config/index.js");
    return CONFIG_KEYS.some((k) => k in doc);
  } catch {
    return false; // unreadable or malformed: the workflow loader reports it with line and column
  }
}

/**
 * Validates one workflow file, preset name or daemon config file (its workflows too), as `validate` does;
 * never throws for bad input. A config's `${VAR}` references are resolved from `env`, as `run` would.
 */
export async function validateFile(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ValidationReport> {
  const warnings: Problem[] = [];
  const warn = (w: Problem) => warnings.push(w);
  try {
    if (await isConfigFile(file)) {
      const { loadConfig } = await import("../../config/index.js");
      const config = await loadConfig({ file, env });
      const workflows = await Promise.all(
        config.workflows.map((w) => loadWorkflow(w.preset ?? w.file!, warn)),
      );
      const { checkedServiceMap } = await import("../../cascade/propagate.js");
      checkedServiceMap(config.cascades, workflows, file);
      return { file, valid: true, name: "config", endpoints: workflows.length, problems: [], warnings };
    }
    const workflow = await loadWorkflow(file, warn);
    const endpoints = endpointsOf(workflow).length;
    return { file, valid: true, name: workflow.name, endpoints, problems: [], warnings };
  } catch (err) {
    if (!isTwError(err)) throw err;
    // An error without problems (unreadable file, unknown preset) becomes one problem located at the file.
    const headline = err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
    const problems = err.problems.length > 0 ? err.problems : [{ path: file, message: headline }];
    return { file, valid: false, error: err.message, problems, warnings: [] };
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Warnings go to stderr, one per line; under --strict they fail the file, which the headline says. */
function printValid(report: ValidationReport, strict: boolean): void {
  const n = report.endpoints ?? 0;
  const what =
    report.name === "config"
      ? `config, ${plural(n, "workflow")}`
      : `${report.name}, ${plural(n, "endpoint")}`;
  const count = plural(report.warnings.length, "warning");
  if (strict && report.warnings.length > 0) {
    process.stderr.write(`FAIL ${report.file} (${what}): ${count}, and --strict makes warnings fail\n`);
  } else {
    const note = report.warnings.length > 0 ? `, ${count}` : "";
    process.stdout.write(`ok  ${report.file} (${what}${note})\n`);
  }
  for (const w of report.warnings) process.stderr.write(`  warning: ${w.path}: ${w.message}\n`);
}

function printText(report: ValidationReport, strict: boolean): void {
  if (report.valid) {
    printValid(report, strict);
    return;
  }
  const [first] = report.problems;
  if (report.problems.length === 1 && first?.path === report.file) {
    process.stderr.write(`FAIL ${report.file}: ${first.message}\n`);
    return;
  }
  const lines = report.problems.map((p) => `  ${p.path}: ${p.message}`);
  const count = `${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}`;
  process.stderr.write(`FAIL ${report.file}: ${count}\n${lines.join("\n")}\n`);
}

/** `tracewalk validate FILE...`: checks workflow files or presets, reporting every problem; exit 2 if any is invalid. */
export const validateCommand: Command = {
  usage: [
    "Usage: tracewalk validate [--json] [--strict] FILE|PRESET...",
    "",
    "Checks each workflow file (YAML or JSON), preset name or daemon config file (a YAML file with",
    "config keys such as sinks or load, and no transitions; its workflows are loaded too) and prints",
    "every problem with its file:line:column and path. Exit code 0 when all are valid, 2 when any is not.",
    "Warnings (such as a transitions row of an exit point, which is never used) go to stderr and do not",
    "fail a file unless --strict is given.",
    "",
    "Options:",
    "  --json     print a machine-readable report: [{file, valid, problems, warnings}], each problem",
    "             and warning a {path, message}",
    "  --strict   warnings fail too (exit 2)",
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { json: { type: "boolean" }, strict: { type: "boolean" } },
      true,
    );
    if (positionals.length === 0) {
      process.stderr.write(`tracewalk validate: no workflow given\n\n${validateCommand.usage}\n`);
      return 2;
    }
    const reports: ValidationReport[] = [];
    for (const file of positionals) reports.push(await validateFile(file));
    if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    else for (const r of reports) printText(r, values.strict === true);
    const passes = (r: ValidationReport) => r.valid && !(values.strict && r.warnings.length > 0);
    return reports.every(passes) ? 0 : 2;
  },
};
