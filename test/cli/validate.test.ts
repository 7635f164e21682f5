import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs the built CLI (npm test builds dist first), as a user would.
const MAIN = "dist/cli/main.js";
const STACK = /\n\s+at /;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewalk-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const INVALID = "name: bad\nentry_points: { /a: 1 }\ntransitions:\n  /a: { /b: 0.5 }\nexit_points: []\n";

describe("tracewalk validate", () => {
  it("accepts the example workflow and a preset, exit 0", async () => {
    const r = await cli("validate", "config/workflows/checkout.yaml", "ecommerce");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "ok  config/workflows/checkout.yaml (checkout, 6 endpoints)\nok  ecommerce (ecommerce, 15 endpoints)\n",
    );
    expect(r.stderr).toBe("");
  });

  it("reports every problem of an invalid file with file:line:col, exit 2, no stack", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, INVALID);
    const r = await cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`FAIL ${file}: 2 problems`);
    expect(r.stderr).toContain(`${file}:4:3 transitions["/a"]: probabilities sum to 0.5, expected 1`);
    expect(r.stderr).toContain(`${file}:4:9 transitions["/a"]["/b"]: unknown target`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it("reports a YAML syntax error with its line and column", async () => {
    const file = join(dir, "syntax.yaml");
    await writeFile(file, "name: x\nentry_points:\n  /a: [1, 2\ntransitions: {}\n");
    const r = await cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4:1: YAML syntax error`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it("suggests quoting an endpoint key with { } that breaks a flow map", async () => {
    const file = join(dir, "braces.yaml");
    await writeFile(file, "name: x\nentry_points: { /a: 0.5, /b/{id}: 0.5 }\n");
    const r = await cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `${file}:2:\\d+: YAML syntax error: [^\\n]+; quote keys that contain \\{ \\}: "/b/\\{id\\}":\\n`,
      ),
    );
    expect(r.stderr).not.toMatch(STACK);
  });

  it("reports a missing file by path and an unknown preset by name, still checking the rest", async () => {
    const missing = join(dir, "missing.yaml");
    const r = await cli("validate", missing, "shopping", "simple");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`FAIL ${missing}: cannot read workflow file: no such file`);
    expect(r.stderr).toContain('FAIL shopping: unknown workflow preset "shopping"');
    expect(r.stdout).toBe("ok  simple (simple, 4 endpoints)\n");
    expect(r.stderr).not.toMatch(STACK);
  });

  it("reports a services map mistake by its path, exit 2, no stack", async () => {
    const file = join(dir, "services.yaml");
    const services =
      "services:\n  pay: { endpoints: [/a] }\n  web: { endpoints: [/b], depends_on: [paymnt] }\n";
    await writeFile(file, INVALID.replace("/b: 0.5", "/b: 1").replace("[]", "[/b]") + services);
    const r = await cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `FAIL ${file}: 1 problem\n  ${file}:8:40 services.web.depends_on[0]: "paymnt" is not a service: name one of pay, web, or add it under services\n`,
    );
  });

  it("prints a machine-readable report with --json", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, INVALID);
    const r = await cli("validate", "--json", "simple", file);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report).toHaveLength(2);
    expect(report[0]).toMatchObject({ file: "simple", valid: true, problems: [] });
    expect(report[1]).toMatchObject({ file, valid: false });
    expect(report[1].problems).toContainEqual({
      path: `${file}:4:3 transitions["/a"]`,
      message: "probabilities sum to 0.5, expected 1",
    });
  });

  it("exits 2 with usage when no file is given or a flag is unknown", async () => {
    const none = await cli("validate");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: tracewalk validate");
    const flag = await cli("validate", "--strictly", "simple");
    expect(flag.code).toBe(2);
    expect(flag.stderr).not.toMatch(STACK);
  });
});

describe("tracewalk presets", () => {
  it("lists the presets with a description", async () => {
    const r = await cli("presets");
    expect(r.code).toBe(0);
    const names = r.stdout
      .trim()
      .split("\n")
      .map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual(["ecommerce", "simple", "microservices"]);
    expect(r.stdout).toMatch(/^ecommerce\s+Online shop/);
  });

  it("prints a preset as YAML that validate accepts", async () => {
    const r = await cli("presets", "ecommerce");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name: ecommerce\n/);
    const file = join(dir, "shop.yaml");
    await writeFile(file, r.stdout);
    const v = await cli("validate", file);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`ok  ${file} (ecommerce, 15 endpoints)\n`);
  });

  it("prints the microservices preset with its service map, which validate accepts", async () => {
    const r = await cli("presets", "microservices");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\nservices:\n  gateway:\n    endpoints: [ /gateway ]\n");
    const file = join(dir, "micro.yaml");
    await writeFile(file, r.stdout);
    const v = await cli("validate", file, "microservices");
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(
      `ok  ${file} (microservices, 10 endpoints)\nok  microservices (microservices, 10 endpoints)\n`,
    );
  });

  it("exits 2 for an unknown preset, naming the presets", async () => {
    const r = await cli("presets", "nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown preset "nope" (presets: ecommerce, simple, microservices)');
    expect(r.stderr).not.toMatch(STACK);
  });
});
