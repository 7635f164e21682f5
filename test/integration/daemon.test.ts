import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir, waitFor } from "../helpers/cli.js";

let tmp: { dir: string; remove: () => void };
beforeAll(() => {
  tmp = tempDir("tw-daemon-");
});
afterAll(() => tmp.remove());

const base = ["--metrics-addr", "127.0.0.1:0", "--log-level", "warn"];

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

describe("tracewalk run", () => {
  it("runs a virtual duration at max speed, finishes every session, and the stream passes verify", async () => {
    const out = join(tmp.dir, "max.jsonl");
    const r = await runCli([
      "run",
      ...base,
      "--speed",
      "max",
      "--duration",
      "20m",
      "--out",
      out,
      "--set",
      "generation.cascade_rate=0.2",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const events = lines(out).map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(10_000);
    const starts = events.filter((e) => e.call_index === 0);
    const end = Date.parse("2026-01-01T00:20:00Z");
    expect(starts.every((e) => Date.parse(e.timestamp) < end)).toBe(true);
    expect(lines(join(tmp.dir, "max.labels.jsonl")).length).toBeGreaterThan(0);
    const v = await runCli(["verify", "--workflow", "ecommerce", "--input", out]);
    expect(v.stdout).toContain("consistent");
    expect(v.code).toBe(0);
  });

  it("gives the same bytes at any speed and the union of shards equals one process", async () => {
    const at = (name: string, ...extra: string[]) => [
      "run",
      ...base,
      "--duration",
      "2m",
      "--out",
      join(tmp.dir, name),
      ...extra,
    ];
    const runs = await Promise.all([
      runCli(at("s-max.jsonl", "--speed", "max")),
      runCli(at("s-600.jsonl", "--speed", "600")),
      runCli(at("shard0.jsonl", "--speed", "max", "--shard", "0/2")),
      runCli(at("shard1.jsonl", "--speed", "max", "--shard", "1/2")),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const whole = readFileSync(join(tmp.dir, "s-max.jsonl"), "utf8");
    expect(whole.length).toBeGreaterThan(1000);
    expect(readFileSync(join(tmp.dir, "s-600.jsonl"), "utf8")).toBe(whole);
    const union = [...lines(join(tmp.dir, "shard0.jsonl")), ...lines(join(tmp.dir, "shard1.jsonl"))].sort();
    expect(union).toEqual(whole.split("\n").filter(Boolean).sort());
  });

  it("on SIGTERM stops arrivals, drains sessions in flight, flushes and exits 0", async () => {
    const out = join(tmp.dir, "term.jsonl");
    const run = runCli(["run", "--metrics-addr", "127.0.0.1:0", "--speed", "60", "--out", out]);
    await waitFor("events in the file", () => {
      try {
        return statSync(out).size > 20_000;
      } catch {
        return false;
      }
    });
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("draining sessions in flight");
    const summary = r.stderr.split("\n").find((l) => l.includes("run finished"))!;
    const emitted = JSON.parse(summary).events as number;
    const events = lines(out).map((l) => JSON.parse(l));
    expect(events.length).toBe(emitted);
    // Every session ended properly: its last call is an exit point or the chain said $end.
    const v = await runCli(["verify", "--workflow", "ecommerce", "--input", out]);
    expect(v.code, v.stdout).toBe(0);
  });

  it("rejects a bad config with exit 2, the path of the mistake and no stack trace", async () => {
    const cfg = join(tmp.dir, "bad.yaml");
    writeFileSync(cfg, "clock:\n  speed: fast\nsinks:\n  - type: kafka\n    brokers: localhost:9092\n");
    const r = await runCli(["run", "--config", cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("clock.speed");
    expect(r.stderr).toContain("sinks[0].brokers");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("rejects an unknown flag and a missing config file with exit 2", async () => {
    const a = await runCli(["run", "--sped", "2"]);
    expect(a.code).toBe(2);
    const b = await runCli(["run", "--config", join(tmp.dir, "nope.yaml")]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("nope.yaml");
    expect(b.stderr).not.toMatch(STACK_LINE);
  });
});
