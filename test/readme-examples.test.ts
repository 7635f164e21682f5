import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateFile } from "../src/cli/commands/validate.js";
import { tempDir } from "./helpers/cli.js";

// Every YAML example a user may copy must load: each ```yaml block of the README and each file in
// config/, checked by the code `tracewalk validate` runs (a workflow, or a daemon config and its
// workflows). A block that is a fragment on purpose starts with a `# fragment` line and is skipped.

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const FRAGMENT = /^#\s*fragment\b/;

interface Block {
  line: number;
  text: string;
}

/** The ```yaml (or ```yml) blocks of a Markdown text, with the line each one starts on. */
function yamlBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i]!)) continue;
    const end = lines.indexOf("```", i + 1);
    if (end === -1) throw new Error(`README.md:${i + 1}: a yaml block that is never closed`);
    blocks.push({ line: i + 2, text: `${lines.slice(i + 1, end).join("\n")}\n` });
    i = end;
  }
  return blocks;
}

function configFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const tmp = tempDir("tw-readme-");
afterAll(() => tmp.remove());

const blocks = yamlBlocks(README).filter((b) => !FRAGMENT.test(b.text));

describe("README yaml examples", () => {
  it("has examples, and few marked as fragments", () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(yamlBlocks(README).length - blocks.length).toBeLessThanOrEqual(2);
  });

  it.each(blocks.map((b) => [b.line, b] as const))("the block at README.md:%i validates", async (line, b) => {
    const file = join(tmp.dir, `readme-${line}.yaml`);
    writeFileSync(file, b.text);
    const report = await validateFile(file, {
      TRACEWALK_CONTROL_TOKEN: "a-token-of-at-least-16-characters",
      STAGING_TOKEN: "staging-token",
    });
    const found = [...report.problems, ...report.warnings].map((p) => `${p.path}: ${p.message}`);
    expect(found, `README.md:${line}`).toEqual([]);
    expect(report.valid).toBe(true);
  });
});

describe("config/ examples", () => {
  const files = configFiles("config");

  it("holds the daemon configs and the workflow examples", () => {
    expect(files).toEqual(
      expect.arrayContaining(["config/tracewalk.yaml", "config/workflows/checkout.yaml"]),
    );
  });

  it.each(files)("%s validates", async (file) => {
    const report = await validateFile(file, {
      TRACEWALK_CONTROL_TOKEN: "a-token-of-at-least-16-characters",
      STAGING_TOKEN: "staging-token",
    });
    const found = [...report.problems, ...report.warnings].map((p) => `${p.path}: ${p.message}`);
    expect(found).toEqual([]);
    expect(report.valid).toBe(true);
  });
});

describe("the README's replay examples", () => {
  it("each names its --speed: the default is real time, and a recorded hour would play for an hour", () => {
    const replays = README.split("\n").filter((l) =>
      /^(node dist\/cli\/main\.js|npx tracewalk) replay /.test(l),
    );
    expect(replays.length).toBeGreaterThan(1);
    for (const line of replays) expect(line).toMatch(/ --speed (\d+|max)\b/);
  });
});
