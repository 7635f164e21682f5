import { writeFile } from "node:fs/promises";
import { ErrorCode, TwError } from "../../errors.js";
import { compileWorkflow } from "../../sim/index.js";
import { DIAGRAM_FORMATS, drawWorkflow, loadWorkflow } from "../../workflow/index.js";
import { choiceFlag, parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : (err as Error).message;
    throw new TwError(ErrorCode.OUTPUT_INVALID, `${file}: cannot write the graph: ${reason}`, { cause: err });
  }
}

/** `tracewalk graph WORKFLOW`: draws a workflow as Mermaid (for a GitHub README) or Graphviz DOT. */
export const graphCommand: Command = {
  usage: [
    "Usage: tracewalk graph [--format mermaid|dot] [--out FILE] [--no-latency] WORKFLOW",
    "",
    "Draws WORKFLOW (a preset name or a workflow file, such as one `fit` wrote): one node per endpoint",
    "with its method and mean response time, one edge per transition labelled with its probability",
    "(three significant digits), a start node whose edges carry the entry probabilities, an end node",
    "for $end, and exit points drawn with a thick border and a dotted edge to the end. The output is",
    "sorted, so the same workflow gives the same bytes.",
    "",
    "  tracewalk graph ecommerce                      # Mermaid: paste into a ```mermaid block",
    "  tracewalk graph shop.yaml --format dot | dot -Tsvg > shop.svg",
    "",
    "Options:",
    "  --format mermaid|dot   Mermaid flowchart (default) or Graphviz DOT",
    "  --out FILE             write to FILE instead of stdout (- is stdout)",
    "  --no-latency           leave the mean response time out of the node labels",
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { format: { type: "string" }, out: { type: "string" }, "no-latency": { type: "boolean" } },
      true,
    );
    const format = choiceFlag("format", values.format, DIAGRAM_FORMATS);
    if (positionals.length !== 1) {
      const got = positionals.length === 0 ? "no workflow given" : "expected one workflow";
      throw new TwError(ErrorCode.ARGS_INVALID, `${got}\n\n${graphCommand.usage}`);
    }
    // A warning (an exit's unused row, which the graph leaves out) goes to stderr, as `validate` prints it.
    const workflow = await loadWorkflow(positionals[0]!, (w) =>
      process.stderr.write(`tracewalk graph: warning: ${w.path}: ${w.message}\n`),
    );
    // The engine's own resolution of methods and mean latencies, defaults included, so the graph shows what runs.
    const compiled = new Map(compileWorkflow(workflow).endpoints.map((e) => [e.template, e]));
    const latency = values["no-latency"] !== true;
    const text = drawWorkflow(workflow, {
      format,
      describe: (t) => {
        const e = compiled.get(t)!;
        return latency ? { method: e.method, meanMs: e.meanMs } : { method: e.method };
      },
    });
    if (values.out === undefined || values.out === "-") process.stdout.write(text);
    else await writeOut(values.out, text);
    return 0;
  },
};
