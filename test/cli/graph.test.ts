import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { PRESETS, presetNames, type Workflow } from "../../src/workflow/index.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { docFiles, fencedBlocks, readDoc } from "../helpers/docs.js";
import { type ParsedGraph, parseDot, parseMermaid } from "../helpers/graph-parse.js";

// Runs the built CLI (`npm run build` first) and reads its output back, so that each edge and
// probability is checked against the workflow it was drawn from.

const tmp = tempDir("tw-graph-");
afterAll(() => tmp.remove());

/** The one warning the odd workflow below earns: its exit has a row, which the walk never uses. */
const WARNING = /^tracewalk graph: warning: .*"\/done\/\{orderId\}".*\n/;

const FORMATS = [
  ["mermaid", parseMermaid],
  ["dot", parseDot],
] as const;

/** What the graph must say: positive probabilities only, and no row for an exit (the walk ends there). */
function expected(w: Workflow): Pick<ParsedGraph, "entry" | "transitions" | "exits"> {
  const positive = (row: Record<string, number>) =>
    Object.fromEntries(Object.entries(row).filter(([, p]) => p > 0));
  const transitions: Record<string, Record<string, number>> = {};
  for (const [from, row] of Object.entries(w.transitions)) {
    if (!w.exit_points.includes(from)) transitions[from] = positive(row);
  }
  return { entry: positive(w.entry_points), transitions, exits: [...w.exit_points].sort() };
}

/** Runs `dot` (installed by .ci/run) on a DOT text and resolves with its exit code and stderr. */
function graphviz(text: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile("dot", ["-Tsvg", "-o", "/dev/null"], (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr });
    });
    child.stdin!.end(text);
  });
}

/** dot exits 0 on a graph it drew; a font warning (machines without fonts) is no fault of the DOT. */
function expectRendered(r: { code: number; stderr: string }): void {
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
}

async function graph(...args: string[]): Promise<string> {
  const r = await runCli(["graph", ...args]);
  expect(r.stderr.replace(WARNING, "")).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

describe.each(FORMATS)("tracewalk graph --format %s", (format, parse) => {
  it.each(presetNames())(
    "draws every transition of %s with its probability, entries and exits marked",
    async (name) => {
      const w = PRESETS[name]!;
      const g = parse(await graph(name, "--format", format));
      expect({ entry: g.entry, transitions: g.transitions, exits: g.exits }).toEqual(expected(w));
      expect(g.exitEdges).toEqual([...w.exit_points].sort());
      expect(g.labels.size).toBe(new Set([...Object.keys(w.transitions), ...w.exit_points]).size);
      // The label carries the method and the mean latency the engine uses.
      const [, login] = [...g.labels].find(([, l]) => l.includes(" /api/login\n")) ?? [];
      if (name === "ecommerce") expect(login).toBe("POST /api/login\nmean 150 ms");
    },
  );

  it("is the same bytes whatever the order of the workflow's keys", async () => {
    const w = structuredClone(PRESETS.simple!) as Workflow;
    const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());
    w.transitions = reversed(w.transitions) as Workflow["transitions"];
    for (const k of Object.keys(w.transitions))
      w.transitions[k] = reversed(w.transitions[k]!) as Record<string, number>;
    const file = join(tmp.dir, `simple-reversed-${format}.yaml`);
    await writeFile(file, stringify(w));
    expect(await graph(file, "--format", format)).toBe(await graph("simple", "--format", format));
  });
});

describe("tracewalk graph on a workflow file", () => {
  // Path parameters, templates that sanitize to the same id, an exit with a (never used) row, and a
  // probability that needs rounding: every one a trap for node ids or labels.
  const w = {
    name: 'odd "shop"',
    entry_points: { "/api/items/{id}": 0.5, "/a-b": 0.25, "/a_b": 0.25 },
    transitions: {
      "/api/items/{id}": { "/api/items/{id}/reviews": 0.3333333, "/a-b": 0.6666667 },
      "/api/items/{id}/reviews": { "/api/items/{id}": 0.5, $end: 0.5 },
      "/a-b": { "/a_b": 1 },
      "/a_b": { "/done/{orderId}": 0.9, "/api/items/{id}": 0.1, $end: 0 },
      "/done/{orderId}": { "/a-b": 1 },
    },
    exit_points: ["/done/{orderId}"],
  };
  let file: string;

  it("writes both formats, to --out as to stdout, and dot accepts the DOT", async () => {
    file = join(tmp.dir, "odd.yaml");
    await writeFile(file, stringify(w));
    const r = await runCli(["graph", file]);
    expect(r.stderr).toMatch(WARNING);
    const mermaid = await graph(file);
    expect(mermaid).toContain('n_api_items_id["GET /api/items/#123;id#125;<br/>mean 120 ms"]');
    expect(mermaid).toContain("%% workflow odd #34;shop#34;");
    const g = parseMermaid(mermaid);
    expect(g.transitions["/api/items/{id}"]).toEqual({ "/api/items/{id}/reviews": 0.333, "/a-b": 0.667 });
    expect(g.transitions["/a_b"]).toEqual({ "/done/{orderId}": 0.9, "/api/items/{id}": 0.1 });
    expect(g.transitions["/done/{orderId}"]).toBeUndefined();
    expect(g.exits).toEqual(["/done/{orderId}"]);
    expect(new Set([...g.labels.keys()]).size).toBe(5);
    expect([...g.labels.keys()]).toEqual(expect.arrayContaining(["n_a_b", "n_a_b_2"]));

    const out = join(tmp.dir, "odd.dot");
    expect(await graph(file, "--format", "dot", "--out", out, "--no-latency")).toBe("");
    const text = await readFile(out, "utf8");
    expect(text.startsWith('digraph "odd \\"shop\\"" {\n')).toBe(true);
    expect(text).toContain('n_api_items_id [label="GET /api/items/{id}"];');
    expect(parseDot(text).transitions).toEqual(g.transitions);
    expectRendered(await graphviz(text));
  });
});

describe("Graphviz accepts every preset", () => {
  it.each(presetNames())("dot -Tsvg renders %s", async (name) => {
    expectRendered(await graphviz(await graph(name, "--format", "dot")));
  });
});

describe("tracewalk graph: bad input exits 2 with a message and no stack", () => {
  it.each([
    [["nope"], /unknown workflow preset "nope"/],
    [["missing.yaml"], /missing\.yaml: cannot read workflow file: no such file/],
    [["simple", "--format", "svg"], /--format: expected one of mermaid, dot, got "svg"/],
    [[], /no workflow given/],
    [["simple", "ecommerce"], /expected one workflow/],
    [["simple", "--out", "/nonexistent-dir/g.mmd"], /\/nonexistent-dir\/g\.mmd: cannot write the graph/],
  ])("graph %j", async (args, message) => {
    const r = await runCli(["graph", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe("");
  });

  it("names the file and the problem of an invalid workflow", async () => {
    const file = join(tmp.dir, "bad.yaml");
    await writeFile(
      file,
      "name: bad\nentry_points: { /a: 1 }\ntransitions:\n  /a: { /b: 0.5 }\nexit_points: []\n",
    );
    const r = await runCli(["graph", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4:3 transitions["/a"]: probabilities sum to 0.5, expected 1`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe("README and docs/presets.md", () => {
  // Each ```mermaid block names its workflow in its `%% workflow NAME` line, as the command writes it.
  const blocks = docFiles().flatMap((file) =>
    fencedBlocks(readDoc(file), file)
      .filter((b) => b.lang === "mermaid")
      .map((b) => ({ where: `${file}:${b.line}`, file, text: b.text, name: nameOf(b.text) })),
  );

  function nameOf(text: string): string | undefined {
    return /^ {2}%% workflow (\S+)$/m.exec(text)?.[1];
  }

  it("docs/presets.md has one Mermaid block per preset", () => {
    const names = blocks.filter((b) => b.file === "docs/presets.md").map((b) => b.name);
    expect(names.sort()).toEqual(presetNames().sort());
  });

  it.each(blocks.map((b) => [b.where, b] as const))(
    "the block at %s equals `tracewalk graph` output",
    async (_, b) => {
      expect(presetNames()).toContain(b.name);
      expect(b.text).toBe(await graph(b.name!));
    },
  );
});
