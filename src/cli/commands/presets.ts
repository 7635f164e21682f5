import { ErrorCode, TwError } from "../../errors.js";
import { endpointsOf, getPreset, PRESETS, presetNames, workflowToYaml } from "../../workflow/index.js";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";

function list(json: boolean): void {
  const names = presetNames();
  if (json) {
    const rows = names.map((name) => ({
      name,
      description: PRESETS[name]!.description ?? "",
      endpoints: endpointsOf(PRESETS[name]!).length,
    }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    process.stdout.write(`${name.padEnd(width)}  ${PRESETS[name]!.description ?? ""}\n`);
  }
}

/** `tracewalk presets [NAME]`: lists the built-in workflows, or prints one as YAML that `validate` accepts. */
export const presetsCommand: Command = {
  usage: [
    "Usage: tracewalk presets [--json] [NAME]",
    "",
    "Without NAME, lists the built-in workflows with a one-line description.",
    "With NAME, prints that workflow as YAML, a starting point for a workflow file:",
    "  tracewalk presets ecommerce > shop.yaml && tracewalk validate shop.yaml",
    "",
    "Options:",
    "  --json   list presets as JSON: [{name, description, endpoints}]",
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } }, true);
    if (positionals.length > 1) throw new TwError(ErrorCode.ARGS_INVALID, "expected at most one preset name");
    const name = positionals[0];
    if (name === undefined) {
      list(values.json === true);
      return 0;
    }
    const preset = getPreset(name);
    if (!preset) {
      throw new TwError(
        ErrorCode.ARGS_INVALID,
        `unknown preset "${name}" (presets: ${presetNames().join(", ")})`,
      );
    }
    process.stdout.write(workflowToYaml(preset));
    return 0;
  },
};
