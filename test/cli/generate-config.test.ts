import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-generate-config-");
afterAll(() => tmp.remove());
const at = (name: string) => join(tmp.dir, name);

/**
 * A daemon config of two workflows by weight, both cascade kinds on (per-session and a scheduled
 * window), and a Kafka sink that --out replaces.
 */
function writeConfig(name: string, clock: string): string {
  const path = at(name);
  writeFileSync(
    path,
    [
      "seed: 9",
      "workflows: [{ preset: ecommerce, weight: 0.7 }, { preset: simple, weight: 0.3 }]",
      "load: { arrival_rate: 2 }",
      `clock: ${clock}`,
      "generation: { cascade_rate: 0.2 }",
      "cascades: [{ name: drill, every: 10m, duration: 3m, ramp: 30s, scope: { endpoints: ['/api/*', /checkout] } }]",
      "sinks: [{ type: kafka, brokers: ['127.0.0.1:1'], topic: never-used }]",
      "",
    ].join("\n"),
  );
  return path;
}

describe("tracewalk generate --config", () => {
  it("writes byte for byte what run --config --speed max writes to a file, labels included", async () => {
    const config = writeConfig("two.yaml", "{ duration: 30m }");
    const [gen, run] = await Promise.all([
      runCli(["generate", "--config", config, "--out", at("gen.jsonl")]),
      runCli([
        "run",
        "--config",
        config,
        "--speed",
        "max",
        "--out",
        at("run.jsonl"),
        "--log-level",
        "warn",
        "--metrics-addr",
        "127.0.0.1:0",
      ]),
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    const events = readFileSync(at("gen.jsonl"), "utf8");
    const workflows = new Set(
      events
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).workflow),
    );
    expect(workflows).toEqual(new Set(["ecommerce", "simple"]));
    expect(events).toBe(readFileSync(at("run.jsonl"), "utf8"));
    const labels = readFileSync(at("gen.labels.jsonl"), "utf8");
    expect(labels.length).toBeGreaterThan(0);
    // Scheduled windows (open and closed records) and per-session cascades (one record each) alike.
    expect(labels).toContain('"cascade_id":"drill-1","name":"drill","state":"closed"');
    expect(labels).toContain('"name":"session-cascade"');
    expect(labels).toBe(readFileSync(at("run.labels.jsonl"), "utf8"));
    const lines = events.split("\n").filter(Boolean).length;
    expect(gen.stderr).toContain(`wrote ${lines} events of `);
    expect(gen.stderr).toContain(`labels to ${at("gen.labels.jsonl")}`);
  });

  it("takes --duration when the config has none, and refuses to run without one", async () => {
    const config = writeConfig("endless.yaml", "{ speed: 1 }");
    const endless = await runCli(["generate", "--config", config, "--out", at("endless.jsonl")]);
    expect(endless.code).toBe(2);
    expect(endless.stderr).toContain("clock.duration");
    expect(endless.stderr).not.toMatch(STACK_LINE);
    const ok = await runCli(["generate", "--config", config, "--duration", "10m", "--out", at("ten.jsonl")]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(at("ten.jsonl"), "utf8").length).toBeGreaterThan(0);
  });

  it("refuses the --users plan's flags beside --config, naming them", async () => {
    const config = writeConfig("plan.yaml", "{ duration: 10m }");
    const r = await runCli([
      "generate",
      "--config",
      config,
      "--users",
      "5",
      "--days",
      "2",
      "--out",
      at("x.jsonl"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--users, --days: not with --config");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
