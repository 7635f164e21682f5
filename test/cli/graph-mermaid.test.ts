import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { JSDOM } from "jsdom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetNames } from "../../src/workflow/index.js";
import { runCli, tempDir } from "../helpers/cli.js";

// The Mermaid that `tracewalk graph` writes, and the blocks of README.md and docs/presets.md with it
// (test/cli/graph.test.ts keeps them equal), must parse with Mermaid's own parser (the one GitHub
// renders with). Its parser needs no browser; only its HTML sanitizer wants a DOM at import, which
// jsdom gives. A file of its own, since it sets the DOM globals.

type Mermaid = typeof import("mermaid").default;
let mermaid: Mermaid;
const dom = new JSDOM("<!doctype html><html><body></body></html>");
const globals = globalThis as { window?: unknown; document?: unknown };

beforeAll(async () => {
  globals.window = dom.window;
  globals.document = dom.window.document;
  mermaid = (await import("mermaid")).default;
});
const tmp = tempDir("tw-graph-mermaid-");
afterAll(() => {
  tmp.remove();
  delete globals.window;
  delete globals.document;
  dom.window.close();
});

async function graph(ref: string): Promise<string> {
  const r = await runCli(["graph", ref]);
  expect(r.code).toBe(0);
  return r.stdout;
}

describe("Mermaid's parser", () => {
  it("rejects a broken flowchart, so a pass below means something", async () => {
    await expect(mermaid.parse('flowchart LR\n  a["x" --> b\n')).rejects.toThrow(/Parse error/);
  });

  it.each(presetNames())("accepts the graph of %s as a flowchart", async (name) => {
    expect(await mermaid.parse(await graph(name))).toMatchObject({ diagramType: "flowchart-v2" });
  });

  it("accepts labels with braces, quotes, # and angle brackets, escaped as entity codes", async () => {
    const file = join(tmp.dir, "odd.yaml");
    const row = (to: string) => `{ "${to}": 0.5, $end: 0.5 }`;
    await writeFile(
      file,
      [
        "name: 'odd \"shop\" #1 <b>'",
        'entry_points: { "/items/{id}": 1 }',
        "transitions:",
        `  "/items/{id}": ${row("/items/{id}/<rev>&#35;")}`,
        `  "/items/{id}/<rev>&#35;": ${row("/items/{id}")}`,
        "exit_points: []",
        "",
      ].join("\n"),
    );
    const text = await graph(file);
    expect(text).toContain("#123;id#125;/#60;rev#62;#38;#35;35;");
    expect(await mermaid.parse(text)).toMatchObject({ diagramType: "flowchart-v2" });
  });
});
