import { describe, expect, it } from "vitest";
import { drawWorkflow, formatMs, formatProbability, type Workflow } from "../../src/workflow/index.js";

const describeAll = () => ({ method: "GET" });

function workflow(templates: string[]): Workflow {
  const [first, ...rest] = templates;
  const transitions: Record<string, Record<string, number>> = {};
  for (const t of templates) transitions[t] = { $end: 1 };
  return {
    name: "w",
    entry_points: { [first!]: 1, ...Object.fromEntries(rest.map((t) => [t, 0])) },
    transitions,
    exit_points: [],
  };
}

describe("drawWorkflow", () => {
  it("gives templates that sanitize alike distinct ids, numbered in byte order, and / an id too", () => {
    const text = drawWorkflow(workflow(["/a_b", "/a-b", "/", "/A-B"]), {
      format: "mermaid",
      describe: describeAll,
    });
    const ids = [...text.matchAll(/^ {2}(n_\w+)\["GET ([^<"]*)"\]$/gm)].map((m) => [m[2], m[1]]);
    expect(ids).toEqual([
      ["/", "n_root"],
      ["/A-B", "n_A_B"],
      ["/a-b", "n_a_b"],
      ["/a_b", "n_a_b_2"],
    ]);
  });

  it("leaves out edges of probability 0", () => {
    const text = drawWorkflow(workflow(["/x", "/y"]), { format: "dot", describe: describeAll });
    expect(text).toContain("session_start -> n_x [");
    expect(text).not.toContain("session_start -> n_y");
  });
});

describe("label numbers", () => {
  it.each([
    [0.35, "0.35"],
    [1, "1"],
    [0.3333333, "0.333"],
    [0.6666667, "0.667"],
    [0.00004, "0.00004"],
    [0.1 + 0.2, "0.3"],
  ])("probability %d as %s", (p, text) => {
    expect(formatProbability(p)).toBe(text);
  });

  it.each([
    [150, "150"],
    [147.3, "147"],
    [1234.5, "1235"],
    [2.345, "2.3"],
    [0.5, "0.5"],
  ])("mean latency %d ms as %s", (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});
