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
}

// Every argument is a workflow file or preset for now; config files (top-level workflows/sinks/load)
// will be recognised here once the config module exposes its validator.
async function validateOne(file: string): Promise<ValidationReport> {
  try {
    const workflow = await loadWorkflow(file);
    return { file, valid: true, name: workflow.name, endpoints: endpointsOf(workflow).length, problems: [] };
  } catch (err) {
    if (!isTwError(err)) throw err;
    // An error without problems (unreadable file, unknown preset) becomes one problem located at the file.
    const headline = err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
    const problems = err.problems.length > 0 ? err.problems : [{ path: file, message: headline }];
    return { file, valid: false, error: err.message, problems };
  }
}

function printText(report: ValidationReport): void {
  if (report.valid) {
    const n = report.endpoints ?? 0;
    process.stdout.write(`ok  ${report.file} (${report.name}, ${n} endpoint${n === 1 ? "" : "s"})\n`);
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
  name: "validate",
  summary: "Check workflow files (or presets) and report every problem",
  usage: [
    "Usage: tracewalk validate [--json] FILE|PRESET...",
    "",
    "Checks each workflow file (YAML or JSON) or preset name and prints every problem with its",
    "file:line:column and path. Exit code 0 when all are valid, 2 when any is not.",
    "",
    "Options:",
    "  --json   print a machine-readable report: [{file, valid, problems: [{path, message}]}]",
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } }, true);
    if (positionals.length === 0) {
      process.stderr.write(`tracewalk validate: no workflow given\n\n${validateCommand.usage}\n`);
      return 2;
    }
    const reports: ValidationReport[] = [];
    for (const file of positionals) reports.push(await validateOne(file));
    if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    else reports.forEach(printText);
    return reports.every((r) => r.valid) ? 0 : 2;
  },
};
