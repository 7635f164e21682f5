import { describe, expect, it } from "vitest";
import { ErrorCode, TwError } from "../../src/errors.js";
import { PRESETS, parseCheckedWorkflow, parseWorkflow, workflowToYaml } from "../../src/workflow/index.js";

const HAND_WRITTEN = `# a shop in miniature
name: mini
entry_points:
  /api/products: 1
transitions:
  /api/products:
    /api/products/{id}: 0.7
    $end: 0.3
  /api/products/{id}:
    /api/products: 0.4
    /api/cart/add: 0.5
    $end: 0.1
  /api/cart/add:
    "/api/orders/{id}": 1
exit_points: ["/api/orders/{id}"]
endpoints:
  /api/products/{id}:
    params: { id: { min: 1, max: 99 }, colour: [red, blue] }
`;

/** Runs parseWorkflow and returns the TwError it throws. */
function parseError(text: string, source = "wf.yaml"): TwError {
  try {
    parseWorkflow(text, source);
  } catch (err) {
    if (err instanceof TwError) return err;
    throw err;
  }
  throw new Error("expected parseWorkflow to throw");
}

describe("YAML round trip", () => {
  it.each(Object.keys(PRESETS))("round-trips preset %s deep-equal and byte-stable", (name) => {
    const preset = PRESETS[name]!;
    const yaml = workflowToYaml(preset);
    const back = parseWorkflow(yaml, `${name}.yaml`);
    expect(back).toEqual(preset);
    expect(workflowToYaml(back)).toBe(yaml);
  });

  it("round-trips a hand-written file with {id} keys, $end and params, keeping key order", () => {
    const first = parseWorkflow(HAND_WRITTEN, "mini.yaml");
    const yaml = workflowToYaml(first);
    const second = parseWorkflow(yaml, "out.yaml");
    expect(second).toEqual(first);
    expect(Object.keys(second.transitions)).toEqual(["/api/products", "/api/products/{id}", "/api/cart/add"]);
    expect(Object.keys(second.transitions["/api/products"]!)).toEqual(["/api/products/{id}", "$end"]);
    expect(second.endpoints?.["/api/products/{id}"]?.params).toEqual({
      id: { min: 1, max: 99 },
      colour: ["red", "blue"],
    });
  });

  it("writes readable YAML: fields in a fixed order, template keys quoted, params on one line", () => {
    const yaml = workflowToYaml(parseWorkflow(HAND_WRITTEN, "mini.yaml"));
    expect(yaml.split("\n")[0]).toBe("name: mini");
    expect(yaml).toContain('\n  "/api/products/{id}":\n');
    expect(yaml).toContain("\n    $end: 0.3\n");
    expect(yaml).toContain("      id: { min: 1, max: 99 }\n");
    expect(yaml).toContain("      colour: [ red, blue ]\n");
    expect(yaml.indexOf("entry_points:")).toBeLessThan(yaml.indexOf("transitions:"));
    expect(yaml.indexOf("exit_points:")).toBeLessThan(yaml.indexOf("endpoints:"));
  });

  it("reads JSON too", () => {
    const json = JSON.stringify(PRESETS.simple);
    expect(parseWorkflow(json, "simple.json")).toEqual(PRESETS.simple);
  });
});

describe("parseWorkflow errors", () => {
  it("reports a YAML syntax error with its line and column", () => {
    const err = parseError("name: x\nentry_points:\n  /a: [1, 2\ntransitions: {}\n");
    expect(err.code).toBe(ErrorCode.WORKFLOW_INVALID);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe("wf.yaml: invalid workflow");
    expect(err.problems[0]!.path).toMatch(/^wf\.yaml:4:1$/);
    expect(err.problems[0]!.message).toMatch(/^YAML syntax error: /);
    expect(err.problems[0]!.message).not.toContain("\n");
  });

  it("reports a duplicate key as a syntax error at its line", () => {
    const err = parseError("name: x\nname: y\n");
    expect(err.problems[0]).toEqual({
      path: "wf.yaml:2:1",
      message: "YAML syntax error: Map keys must be unique",
    });
  });

  it("locates each problem at file:line:col, in file order", () => {
    const text = [
      "name: broken", //                       1
      "entry_points:", //                      2
      "  /a: 1", //                            3
      "transitions:", //                       4
      "  /a:", //                              5
      "    /b: 0.5", //                        6
      "    /typo: 0.5", //                     7
      "  /b:", //                              8
      "    /c: 0.9", //                        9
      "exit_points: [/c]", //                  10
      "avg_response_times: { /a: -3 }", //     11
      "colour: red", //                        12
    ].join("\n");
    const err = parseError(text, "dir/broken.yaml");
    expect(err.problems).toEqual([
      {
        path: 'dir/broken.yaml:7:5 transitions["/a"]["/typo"]',
        message: expect.stringMatching(/unknown target/),
      },
      { path: 'dir/broken.yaml:8:3 transitions["/b"]', message: "probabilities sum to 0.9, expected 1" },
      { path: 'dir/broken.yaml:11:23 avg_response_times["/a"]', message: expect.stringMatching(/negative/) },
      { path: "dir/broken.yaml:12:1 colour", message: 'unknown field "colour"' },
    ]);
  });

  it("suggests quoting an endpoint key with { } inside a flow map", () => {
    const text = "name: x\nentry_points: { /api/cart: 0.7, /api/products/{id}: 0.3 }\n";
    const err = parseError(text);
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) {
      expect(p.path).toMatch(/^wf\.yaml:2:\d+$/);
      expect(p.message).toMatch(
        /^YAML syntax error: .+; quote keys that contain \{ \}: "\/api\/products\/\{id\}":$/,
      );
    }
    // A value in a flow list gets the same hint, as a value.
    const list = parseError("name: x\nexit_points: [/api/orders/{id}, /b]\n");
    expect(list.problems[0]!.message).toMatch(/; quote values that contain \{ \}: "\/api\/orders\/\{id\}"$/);
    // An error elsewhere on a line gets no such hint: the braces are not the cause.
    const other = parseError("name: x\nentry_points:\n  /a/{id}: [1, 2\ntransitions: {}\n");
    expect(other.problems[0]!.message).not.toContain("quote");
  });

  it("returns the warnings of a valid workflow located at file:line:col", () => {
    const text = [
      "name: w",
      "entry_points: { /a: 1 }",
      "transitions:",
      "  /a: { /b: 1 }",
      "  /b: { /a: 1 }",
      "exit_points: [/b]",
    ].join("\n");
    const { workflow, warnings } = parseCheckedWorkflow(text, "w.yaml");
    expect(workflow.name).toBe("w");
    expect(warnings).toEqual([
      {
        path: 'w.yaml:5:3 transitions["/b"]',
        message: 'never used: "/b" is an exit point, so sessions end there',
      },
    ]);
    expect(parseWorkflow(text, "w.yaml")).toEqual(workflow);
  });

  it("locates a missing field at its parent", () => {
    const err = parseError("name: x\nentry_points: {}\ntransitions: {}\n");
    expect(err.problems.map((p) => p.path)).toEqual(["wf.yaml:1:1 exit_points", "wf.yaml:2:1 entry_points"]);
  });

  it("rejects an empty document and a document that is not a map", () => {
    expect(parseError("").problems).toEqual([
      { path: "wf.yaml (top level)", message: "expected a map, got null" },
    ]);
    expect(parseError("- a\n- b\n").problems[0]!.path).toBe("wf.yaml:1:1 (top level)");
  });
});

describe("parseWorkflow refuses hostile or ambiguous YAML", () => {
  it("reports an alias bomb as a problem, not a crash", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x,x]", "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]"];
    bomb.push("c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]", "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]");
    const err = parseError(bomb.join("\n"));
    expect(err.problems).toEqual([
      { path: "wf.yaml", message: expect.stringMatching(/^YAML error: Excessive alias/) },
    ]);
  });

  it("reports a file with several documents", () => {
    const err = parseError("name: a\n---\nname: b\n");
    expect(err.problems).toEqual([
      {
        path: "wf.yaml:2:1",
        message: "YAML syntax error: a workflow file holds one YAML document, this one has more",
      },
    ]);
  });
});
