import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

// The seed guide's own workflows, translated to YAML as written (test/fixtures/seed-guide/), through
// the built CLI as a user would run them.
const GATEWAY = "test/fixtures/seed-guide/api_gateway.yaml";
const FRAGMENT = "test/fixtures/seed-guide/ecommerce_fragment.yaml";
const WARNING = `${GATEWAY}:23:3 transitions["/metrics"]: never used: "/metrics" is an exit point, so sessions end there`;

const tmp = tempDir("tw-seed-guide-");
afterAll(() => tmp.remove());

describe("the seed guide's Example 4 (api_gateway: /metrics is an exit point with a row)", () => {
  it("validates with a warning on stderr, exit 0", async () => {
    const r = await runCli(["validate", GATEWAY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok  ${GATEWAY} (api_gateway, 7 endpoints, 1 warning)\n`);
    expect(r.stderr).toBe(`  warning: ${WARNING}\n`);
  });

  it("fails under --strict, exit 2, naming the warning", async () => {
    const r = await runCli(["validate", "--strict", GATEWAY, "simple"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`FAIL ${GATEWAY} (api_gateway, 7 endpoints): 1 warning, and --strict`);
    expect(r.stderr).toContain(WARNING);
    expect(r.stdout).toBe("ok  simple (simple, 4 endpoints)\n");
  });

  it("puts the warning in the --json report", async () => {
    const r = await runCli(["validate", "--json", GATEWAY]);
    expect(r.code).toBe(0);
    const [report] = JSON.parse(r.stdout);
    expect(report).toMatchObject({ file: GATEWAY, valid: true, problems: [] });
    expect(report.warnings).toEqual([
      {
        path: `${GATEWAY}:23:3 transitions["/metrics"]`,
        message: 'never used: "/metrics" is an exit point, so sessions end there',
      },
    ]);
    const strict = await runCli(["validate", "--json", "--strict", GATEWAY]);
    expect(strict.code).toBe(2);
    expect(JSON.parse(strict.stdout)[0].warnings).toHaveLength(1);
  });

  it("warns, and fails under --strict, when a daemon config names it", async () => {
    const config = join(tmp.dir, "gateway-config.yaml");
    writeFileSync(config, `workflows:\n  - file: ${GATEWAY}\nsinks: [{ type: stdout }]\n`);
    const r = await runCli(["validate", config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok  ${config} (config, 1 workflow, 1 warning)\n`);
    expect(r.stderr).toBe(`  warning: ${WARNING}\n`);
    expect((await runCli(["validate", "--strict", config])).code).toBe(2);
  });

  it("generates 50 users whose events use only its endpoints, and sessions end at /metrics", async () => {
    const out = join(tmp.dir, "gw.jsonl");
    const r = await runCli(["generate", "--workflow", GATEWAY, "--users", "50", "--out", out]);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${WARNING}`);
    const events = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(50);
    const endpoints = new Set(events.map((e) => e.endpoint as string));
    expect([...endpoints].sort()).toEqual([
      "/api/v1/login",
      "/api/v1/logout",
      "/api/v1/resources",
      "/api/v1/resources/{id}",
      "/api/v1/users/me",
      "/health",
      "/metrics",
    ]);
    for (const e of events) expect(e.workflow).toBe("api_gateway");
    // Reaching an exit ends the session: no call follows /metrics in its session.
    const bySession = new Map<string, { call_index: number; endpoint: string }[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
    let endedAtMetrics = 0;
    for (const calls of bySession.values()) {
      calls.sort((a, b) => a.call_index - b.call_index);
      const at = calls.findIndex((c) => c.endpoint === "/metrics");
      if (at === -1) continue;
      expect(at).toBe(calls.length - 1);
      endedAtMetrics++;
    }
    expect(endedAtMetrics).toBeGreaterThan(0);
  });

  it("runs in the daemon, which logs the warning", async () => {
    const args = ["run", "--workflow", GATEWAY, "--speed", "max", "--duration", "10m", "--out", "-"];
    const r = await runCli([...args, "--metrics-addr", "127.0.0.1:0", "--set", "log.pretty=false"]);
    expect(r.code).toBe(0);
    const logs = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        path: `${GATEWAY}:23:3 transitions["/metrics"]`,
        msg: 'workflow warning: never used: "/metrics" is an exit point, so sessions end there',
      }),
    );
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.workflow))).toEqual(new Set(["api_gateway"]));
  });
});

describe("the seed guide's first workflow (a fragment: /api/browse has no row and is no exit)", () => {
  it("is refused, exit 2, with a message that says how to fix it", async () => {
    const r = await runCli(["validate", FRAGMENT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`FAIL ${FRAGMENT}: 4 problems`);
    expect(r.stderr).toContain(
      `${FRAGMENT}:11:5 transitions["/api/login"]["/api/browse"]: unknown target: "/api/browse" is not an endpoint: give it a row in transitions, or add it to exit_points`,
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    const g = await runCli(["generate", "--workflow", FRAGMENT, "--users", "5", "--out", "-"]);
    expect(g.code).toBe(2);
    expect(g.stdout).toBe("");
    expect(g.stderr).toContain("give it a row in transitions, or add it to exit_points");
  });
});
