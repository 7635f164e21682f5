import { DEFAULT_ALPHA, eventSource, formatReport, verifyEvents } from "../../analysis/index.js";
import { DEFAULT_MAX_LENGTH } from "../../sim/defaults.js";
import { loadWorkflow } from "../../workflow/index.js";
import { intFlag, numberFlag, parseCommandArgs, requiredFlag } from "../args.js";
import type { Command } from "../command.js";

const USAGE = [
  "Usage: tracewalk verify --workflow PRESET|FILE --input FILE|- [--json] [--alpha 0.001] [--max-length N]",
  "",
  "Reads events (JSONL, one per line, `-` for stdin; Parquet by the .parquet extension), rebuilds the",
  "sessions of the workflow (retries left out), and tests whether their entry and transition counts are",
  "consistent with the workflow's probabilities: a table of true and learned probabilities with z-scores,",
  "a pooled chi-square test, and a user-type test when the workflow has user_type_distribution.",
  "",
  "Exit code 0 consistent; 4 inconsistent (a transition outside the workflow, or a test rejecting at",
  "level --alpha); 2 bad input (unreadable file, malformed line, missing field, unknown workflow).",
  "",
  "Options:",
  "  --workflow PRESET|FILE  the workflow the events were generated from",
  "  --input FILE|-          events to check",
  "  --alpha P               significance level of each test (default 0.001)",
  "  --max-length N          the max_length used when generating (default 50)",
  "  --json                  print one JSON object with the whole report",
].join("\n");

const OPTIONS = {
  workflow: { type: "string" },
  input: { type: "string" },
  alpha: { type: "string" },
  "max-length": { type: "string" },
  json: { type: "boolean" },
} as const;

/** `tracewalk verify`: does a stream of events carry its workflow? Exit 0 yes, 4 no, 2 bad input. */
export const verifyCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, OPTIONS);
    const workflowRef = requiredFlag("workflow", values.workflow, USAGE);
    const input = requiredFlag("input", values.input, USAGE);
    const alpha = numberFlag("alpha", values.alpha, DEFAULT_ALPHA, Number.MIN_VALUE, 1, "a number in (0, 1]");
    const maxLength = intFlag("max-length", values["max-length"], DEFAULT_MAX_LENGTH, 1);
    const workflow = await loadWorkflow(workflowRef);
    const report = await verifyEvents(eventSource(input), workflow, { alpha, maxLength });
    process.stdout.write(formatReport(report, values.json ? "json" : "text"));
    return report.consistent ? 0 : 4;
  },
};
