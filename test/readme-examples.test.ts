import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateFile } from "../src/cli/commands/validate.js";
import { tempDir } from "./helpers/cli.js";
import { docFiles, fencedBlocks, readDoc } from "./helpers/docs.js";

// Every YAML example a user may copy must load: each ```yaml block of the README and of docs/*.md,
// and each file in config/, checked by the code `tracewalk validate` runs (a workflow, or a daemon
// config and its workflows). A block that is a fragment on purpose starts with a `# fragment` line
// and is skipped.

const FRAGMENT = /^#\s*fragment\b/;
const ENV = {
  TRACEWALK_CONTROL_TOKEN: "a-token-of-at-least-16-characters",
  STAGING_TOKEN: "staging-token",
  CHAOS_TOKEN: "chaos-token",
};

interface Block {
  file: string;
  line: number;
  text: string;
}

function configFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const tmp = tempDir("tw-readme-");
afterAll(() => tmp.remove());

const yaml: Block[] = docFiles().flatMap((file) =>
  fencedBlocks(readDoc(file), file)
    .filter((b) => /^ya?ml$/.test(b.lang))
    .map((b) => ({ file, line: b.line, text: b.text })),
);
const blocks = yaml.filter((b) => !FRAGMENT.test(b.text));

describe("README and docs/ yaml examples", () => {
  it("has examples, and few marked as fragments", () => {
    expect(blocks.filter((b) => b.file === "README.md").length).toBeGreaterThan(0);
    expect(yaml.length - blocks.length).toBeLessThanOrEqual(2);
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))(
    "the block at %s validates",
    async (where, b) => {
      const file = join(tmp.dir, `${b.file.replace(/\W/g, "-")}-${b.line}.yaml`);
      writeFileSync(file, b.text);
      const report = await validateFile(file, ENV);
      const found = [...report.problems, ...report.warnings].map((p) => `${p.path}: ${p.message}`);
      expect(found, where).toEqual([]);
      expect(report.valid).toBe(true);
    },
  );
});

describe("config/ examples", () => {
  const files = configFiles("config");

  it("holds the daemon configs and the workflow examples", () => {
    expect(files).toEqual(
      expect.arrayContaining(["config/tracewalk.yaml", "config/workflows/checkout.yaml"]),
    );
  });

  it.each(files)("%s validates", async (file) => {
    const report = await validateFile(file, ENV);
    const found = [...report.problems, ...report.warnings].map((p) => `${p.path}: ${p.message}`);
    expect(found).toEqual([]);
    expect(report.valid).toBe(true);
  });
});

describe("the README's and docs' replay examples", () => {
  it("each names its --speed: the default is real time, and a recorded hour would play for an hour", () => {
    const lines = docFiles().flatMap((file) => readDoc(file).split("\n"));
    const replays = lines.filter((l) => /^(node dist\/cli\/main\.js|npx tracewalk) replay /.test(l));
    expect(replays.length).toBeGreaterThan(1);
    for (const line of replays) expect(line).toMatch(/ --speed (\d+|max)\b/);
  });
});
