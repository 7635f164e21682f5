import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The real generator against verify, through the built CLI (`npm run build` first).
const MAIN = join(process.cwd(), "dist/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "tracewalk-e2e-"));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("generate | verify", () => {
  it.each(["simple", "ecommerce"])("%s with cascades and retries verifies consistent", (preset) => {
    const out = join(dir, `${preset}.jsonl`);
    const gen = cli(
      ["generate", "--workflow", preset, "--users", "3000", "--seed", "11", "--cascade-rate", "0.3"].concat([
        "--out",
        out,
        "--no-progress",
      ]),
    );
    expect(gen.code, gen.stderr).toBe(0);
    const r = cli(["verify", "--workflow", preset, "--input", out, "--json"]);
    const report = JSON.parse(r.stdout);
    expect(report.tally.retries).toBeGreaterThan(0);
    expect(report.reasons).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("a stream checked against another workflow has no sessions to test: exit 2, one line", () => {
    const input = join(dir, "simple.jsonl");
    const r = cli(["verify", "--workflow", "microservices", "--input", input]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `tracewalk verify: no sessions to test: ${input} has no events of workflow "microservices" ` +
        '(it has "simple"; check --workflow)\n',
    );
  });

  it("an empty file, or empty standard input, has no sessions to test: exit 2, one line", () => {
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "");
    const r = cli(["verify", "--workflow", "simple", "--input", empty]);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      "",
      `tracewalk verify: no sessions to test: ${empty} has no events\n`,
    ]);
    const s = spawnSync(
      process.execPath,
      [MAIN, "verify", "--workflow", "simple", "--input", "-", "--json"],
      {
        encoding: "utf8",
        input: "",
      },
    );
    expect([s.status, s.stdout, s.stderr]).toEqual([
      2,
      "",
      "tracewalk verify: no sessions to test: standard input has no events\n",
    ]);
  });
});
