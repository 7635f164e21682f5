import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PathEvent } from "../../src/analysis/index.js";
import { sampleEvents, simpleWorkflow } from "./walker.js";

// These run the built CLI: `npm run build` first (npm test does it in pretest).
const MAIN = join(process.cwd(), "dist/cli/main.js");

const WORKFLOW_YAML = `name: simple
entry_points:
  /home: 1
transitions:
  /home: { /products: 0.6, /about: 0.2, $end: 0.2 }
  /products: { /products: 0.3, /checkout: 0.4, /home: 0.2, $end: 0.1 }
  /about: { /home: 0.5, $end: 0.5 }
exit_points: [/checkout]
user_type_distribution: { new: 0.5, returning: 0.4, power: 0.1 }
`;

let dir: string;
let workflow: string;

function jsonl(name: string, events: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, events.map((e) => `${JSON.stringify(e)}\n`).join(""));
  return path;
}

function verify(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [MAIN, "verify", ...args], { encoding: "utf8", input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const call = (session: string, i: number, endpoint: string): PathEvent => ({
  workflow: "simple",
  user_id: `u-${session}`,
  user_type: "new",
  session_id: session,
  call_index: i,
  endpoint,
  is_retry: false,
});

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), "tracewalk-verify-"));
  workflow = join(dir, "simple.yaml");
  writeFileSync(workflow, WORKFLOW_YAML);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("tracewalk verify", () => {
  it("exits 0 on a stream drawn from the workflow, with a table and a verdict", () => {
    const input = jsonl(
      "ok.jsonl",
      sampleEvents(simpleWorkflow(), { sessions: 3000, seed: "cli", retryRate: 0.05 }),
    );
    const r = verify(["--workflow", workflow, "--input", input]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^source\s+target\s+true\s+learned\s+count\s+error\s+z$/m);
    expect(r.stdout).toMatch(/^\(start\)\s+→ \/home\s+1\.0000\s+1\.0000\s+3000 /m);
    expect(r.stdout).toMatch(/^transitions: chi-square [\d.]+, df \d+, p = /m);
    expect(r.stdout).toMatch(/^level alpha = 0\.001$/m);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("consistent");
  });

  it("reads stdin with --input - and prints one JSON object with --json", () => {
    const events = sampleEvents(simpleWorkflow(), { sessions: 500, seed: "stdin" });
    const text = events.map((e) => JSON.stringify(e)).join("\n");
    const r = verify(["--workflow", workflow, "--input", "-", "--json", "--alpha", "0.01"], text);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ workflow: "simple", alpha: 0.01, consistent: true, reasons: [] });
    expect(report.tally.sessions).toBe(500);
    expect(report.transitions[0]).toMatchObject({ source: "(start)", target: "/home", p: 1 });
  });

  it("rounds the floats of --json to 6 significant digits (0.6, not 0.6000000000000001)", () => {
    const out = join(dir, "shop.jsonl");
    const g = spawnSync(process.execPath, [MAIN, "generate", "--users", "200", "--out", out], {
      encoding: "utf8",
    });
    expect(g.status).toBe(0);
    const r = verify(["--workflow", "ecommerce", "--input", out, "--json"]);
    expect(r.code).toBe(0);
    // The preset's entry row 0.6/0.3/0.1 normalizes to 0.6000000000000001 and 0.30000000000000004.
    const report = JSON.parse(r.stdout);
    expect(report.transitions.slice(0, 3).map((t: { p: number }) => t.p)).toEqual([0.6, 0.3, 0.1]);
    const numbers = r.stdout.match(/-?\d+\.\d+(e[-+]\d+)?/g) ?? [];
    expect(numbers.length).toBeGreaterThan(10);
    const significant = (n: string) =>
      n
        .replace(/^-|e.*$/g, "")
        .replace(".", "")
        .replace(/^0+/, "");
    for (const n of numbers) expect(significant(n).length, n).toBeLessThanOrEqual(6);
    // Counts are integers and stay exact.
    expect(Number.isInteger(report.tally.events)).toBe(true);
  });

  it("re-reads a file whose sessions are out of call_index order; refuses that on stdin", () => {
    const events = sampleEvents(simpleWorkflow(), { sessions: 400, seed: "order", retryRate: 0.1 });
    const args = (input: string) => ["--workflow", workflow, "--input", input, "--json"];
    const ordered = JSON.parse(verify(args(jsonl("ordered.jsonl", events))).stdout);
    const r = verify(args(jsonl("reversed.jsonl", [...events].reverse())));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(ordered);
    const piped = verify(
      args("-"),
      [...events]
        .reverse()
        .map((e) => JSON.stringify(e))
        .join("\n"),
    );
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(
      /^tracewalk verify: stdin:\d+: session "s-\d+" arrives out of call_index order/,
    );
  });

  it("exits 4 on a transition outside the workflow, naming it", () => {
    const input = jsonl("bad.jsonl", [call("a", 0, "/home"), call("a", 1, "/admin"), call("b", 0, "/home")]);
    const r = verify(["--workflow", workflow, "--input", input]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^INCONSISTENT: .*\/home → \/admin \(unknown endpoint, 1×\)/m);
  });

  it("exits 2 on a malformed line, naming file:line, without a stack", () => {
    const path = join(dir, "broken.jsonl");
    writeFileSync(path, `${JSON.stringify(call("a", 0, "/home"))}\n\n{"session_id": "a", oops\n`);
    const r = verify(["--workflow", workflow, "--input", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}:3: malformed JSON`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("exits 2 on a missing field, an unreadable file, or an unknown workflow", () => {
    const { endpoint: _, ...partial } = call("a", 0, "/home");
    const missing = verify(["--workflow", workflow, "--input", jsonl("partial.jsonl", [partial])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/partial\.jsonl:1: field "endpoint" is missing/);
    const absent = verify(["--workflow", workflow, "--input", join(dir, "nope.jsonl")]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/nope\.jsonl: cannot read input: no such file/);
    const unknown = verify(["--workflow", "no-such-preset", "--input", join(dir, "ok.jsonl")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown workflow preset "no-such-preset"/);
    expect(verify(["--input", join(dir, "ok.jsonl")]).code).toBe(2);
    expect(verify(["--workflow", workflow, "--input", "x", "--alpha", "2"]).code).toBe(2);
  });
});
