import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";

let tmp: ReturnType<typeof tempDir>;
const targets: Target[] = [];
beforeAll(() => {
  tmp = tempDir("tw-summary-");
});
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});
afterAll(() => tmp.remove());

const CONFIG = "config/tracewalk.yaml";
// A short emit-mode run at max speed: deterministic, a few thousand calls.
const emit = (name: string, extra: string[] = []) => [
  "generate",
  "--config",
  CONFIG,
  "--duration",
  "5m",
  "--out",
  join(tmp.dir, `${name}.jsonl`),
  "--summary",
  join(tmp.dir, `${name}.summary.json`),
  ...extra,
];

const json = (file: string) => JSON.parse(readFileSync(join(tmp.dir, file), "utf8"));
const events = (file: string) =>
  readFileSync(join(tmp.dir, file), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { endpoint: string; status_code: number; response_time_ms: number });

/** Nearest-rank percentile of the recorded latencies, the definition the summary uses. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe("thresholds and the summary", () => {
  it("counts what the trace holds; its percentiles are within 2% of the recorded latencies'", async () => {
    const [r, again] = await Promise.all([
      runCli(emit("held", ["--threshold", "http_req_duration: p(95)<5000"])),
      runCli(emit("again", ["--threshold", "http_req_duration: p(95)<5000"])),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    // Same config and seed: the same summary, byte for byte.
    expect(readFileSync(join(tmp.dir, "again.summary.json"), "utf8")).toBe(
      readFileSync(join(tmp.dir, "held.summary.json"), "utf8"),
    );
    const s = json("held.summary.json");
    const trace = events("held.jsonl");
    expect(s.schema).toBe("tracewalk.summary/v1");
    expect(s.passed).toBe(true);
    expect(s.totals.requests).toBe(trace.length);
    expect(s.totals.events_emitted).toBe(trace.length);
    expect(s.totals.failed).toBe(trace.filter((e) => e.status_code >= 400).length);
    for (const row of s.endpoints) {
      expect(row.requests).toBe(trace.filter((e) => e.endpoint === row.endpoint).length);
    }
    const latencies = trace.map((e) => e.response_time_ms);
    for (const p of [50, 95, 99] as const) {
      const want = percentile(latencies, p);
      expect(Math.abs(s.latency_ms[`p${p}`] - want) / want, `p${p}`).toBeLessThan(0.02);
    }
    const cart = latencies.filter((_, i) => trace[i]!.endpoint === "/api/cart");
    const row = s.endpoints.find((e: { endpoint: string }) => e.endpoint === "/api/cart");
    expect(Math.abs(row.latency_ms.p95 - percentile(cart, 95)) / percentile(cart, 95)).toBeLessThan(0.02);
  });

  it("a crossed threshold: exit 99 after a complete run, the failed threshold in --summary", async () => {
    const file = join(tmp.dir, "gate.yaml");
    writeFileSync(
      file,
      [
        "clock: { duration: 5m }",
        "thresholds:",
        '  http_req_duration: ["p(99)<100000"]',
        '  "http_req_failed{endpoint:/api/cart}": ["rate<0.001"]',
      ].join("\n"),
    );
    const out = join(tmp.dir, "gate.jsonl");
    const r = await runCli([
      "run",
      "--config",
      file,
      "--speed",
      "max",
      "--out",
      out,
      "--metrics-addr",
      "127.0.0.1:0",
      "--summary",
      join(tmp.dir, "gate.summary.json"),
      "--set",
      "log.pretty=true",
    ]);
    expect(r.code, r.stderr).toBe(99);
    expect(r.stderr).toContain("✗ http_req_failed{endpoint:/api/cart}: rate<0.001");
    expect(r.stderr).toContain("✓ http_req_duration: p(99)<100000");
    const s = json("gate.summary.json");
    expect(s.passed).toBe(false);
    const crossed = s.thresholds.filter((t: { ok: boolean }) => !t.ok);
    expect(crossed).toEqual([
      {
        metric: "http_req_failed{endpoint:/api/cart}",
        expression: "rate<0.001",
        value: expect.any(Number),
        ok: false,
      },
    ]);
    // The run was complete: every event is in the trace.
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).length).toBe(s.totals.requests);
  });

  it("abort_on_fail stops the run once crossed: a clean shutdown, exit 99, the threshold in --summary", async () => {
    const file = join(tmp.dir, "abort.yaml");
    writeFileSync(
      file,
      [
        "clock: { speed: 600 }", // no duration: without the abort it would run until stopped
        "thresholds:",
        '  http_reqs: [{ threshold: "count<200", abort_on_fail: true }]',
        '  http_req_failed: ["rate<1"]',
      ].join("\n"),
    );
    const out = join(tmp.dir, "abort.jsonl");
    const r = await runCli([
      "run",
      "--config",
      file,
      "--out",
      out,
      "--metrics-addr",
      "127.0.0.1:0",
      "--summary",
      join(tmp.dir, "abort.summary.json"),
    ]);
    expect(r.code, r.stderr.slice(-1000)).toBe(99);
    expect(r.stderr).toContain("threshold crossed (abort_on_fail): stopping the run");
    const s = json("abort.summary.json");
    expect(s.thresholds.map((t: { ok: boolean }) => t.ok)).toEqual([false, true]);
    expect(s.thresholds[0].value).toBeGreaterThanOrEqual(200);
    // Stopped cleanly: every call made is in the trace, every session drained.
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).length).toBe(s.totals.requests);
    expect(s.totals.sessions_cut).toBe(0);
  });

  it("an unknown metric or a bad expression: exit 2 at load, naming it, before any event", async () => {
    const file = join(tmp.dir, "bad.yaml");
    writeFileSync(file, 'thresholds:\n  http_req_latency: ["p(95)<500"]\n');
    const bad = await runCli(["run", "--config", file, "--out", join(tmp.dir, "bad.jsonl")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("thresholds.http_req_latency");
    expect(bad.stderr).toContain('unknown metric "http_req_latency"');
    expect(bad.stderr).not.toMatch(STACK_LINE);
    const flag = await runCli(emit("flag", ["--threshold", "http_req_failed: p(95)<1"]));
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--threshold");
    expect(flag.stderr).toContain("AGGREGATE one of rate for http_req_failed");
  });

  it("summary merge: the summaries of shards merge into the single run's", async () => {
    const shards = await Promise.all(
      [0, 1, 2].map((k) =>
        runCli(emit(`shard${k}`, ["--shard", `${k}/3`, "--threshold", "http_reqs: count>0"])),
      ),
    );
    for (const r of shards) expect(r.code, r.stderr).toBe(0);
    const whole = await runCli(emit("whole", ["--threshold", "http_reqs: count>0"]));
    expect(whole.code, whole.stderr).toBe(0);
    const files = [0, 1, 2].map((k) => join(tmp.dir, `shard${k}.summary.json`));
    const report = join(tmp.dir, "merged.html");
    const m = await runCli(["summary", "merge", ...files, "--report", report]);
    expect(m.code, m.stderr).toBe(0);
    expect(readFileSync(report, "utf8")).toContain("3 shards");
    const merged = JSON.parse(m.stdout);
    expect(merged.shards).toBe(3);
    // All but the schedule lag, one value per batch (a shard makes its own batches): the shards' add up.
    const { schedule_lag: lag, schedule_lag_ms: _m, ...mergedRest } = merged;
    const { schedule_lag: _w, schedule_lag_ms: _wm, ...wholeRest } = json("whole.summary.json");
    expect({ ...mergedRest, shards: 1 }).toEqual(wholeRest);
    const shardLags = files.map((f) => JSON.parse(readFileSync(f, "utf8")).schedule_lag);
    expect(lag.count).toBe(shardLags.reduce((n: number, l: { count: number }) => n + l.count, 0));
    expect(lag.max_ms).toBe(0); // at max speed no batch is behind a schedule
    expect(m.stderr).toContain("(3 shards)");
    const notSummary = await runCli(["summary", "merge", join(tmp.dir, "whole.jsonl")]);
    expect(notSummary.code).toBe(2);
    expect(notSummary.stderr).toContain("whole.jsonl");
  });
});

describe("schedule_lag", () => {
  // A paced run (600x: a virtual minute in 0.1 s): each batch's lag is measured against the wall clock.
  const paced = async (name: string, conditions: string[], extra: string[] = []) => {
    const file = join(tmp.dir, `${name}.yaml`);
    const list = conditions.map((c) => JSON.stringify(c)).join(", ");
    writeFileSync(file, `clock: { speed: 600, duration: 1m }\nthresholds:\n  schedule_lag: [${list}]\n`);
    const args = ["run", "--config", file, "--out", join(tmp.dir, `${name}.jsonl`), "--summary"];
    return runCli([
      ...args,
      join(tmp.dir, `${name}.summary.json`),
      "--metrics-addr",
      "127.0.0.1:0",
      ...extra,
    ]);
  };

  it('is measured per batch: "max<0" is crossed (exit 99), "max<60000" holds (exit 0)', async () => {
    const pretty = ["--set", "log.pretty=true"];
    const [crossed, held] = await Promise.all([
      paced("lag-crossed", ["max<0", "max<60000"], pretty),
      paced("lag-held", ["max<60000", "p(99)<60000"]),
    ]);
    expect(crossed.code, crossed.stderr.slice(-2000)).toBe(99);
    expect(crossed.stderr).toContain("✗ schedule_lag: max<0");
    expect(crossed.stderr).toContain("✓ schedule_lag: max<60000");
    expect(crossed.stderr).toMatch(/schedule lag \(wall time behind the schedule, \d+ batches\): p50 /);
    const s = json("lag-crossed.summary.json");
    expect(s.thresholds.map((t: { ok: boolean }) => t.ok)).toEqual([false, true]);
    expect(s.schedule_lag.count).toBeGreaterThan(0);
    expect(s.thresholds[0].value).toBe(s.schedule_lag.max_ms);
    expect(s.schedule_lag_ms.max).toBe(s.schedule_lag.max_ms);
    expect(held.code, held.stderr.slice(-2000)).toBe(0);
    const h = json("lag-held.summary.json");
    expect(h.passed).toBe(true);
    expect(h.schedule_lag.count).toBeGreaterThan(0);
  });

  it("has no tags: a filter on it is refused at load (exit 2), naming it", async () => {
    const flag = await runCli(emit("lag-tag", ["--threshold", "schedule_lag{endpoint:/api/cart}: max<100"]));
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--threshold");
    expect(flag.stderr).toContain("schedule_lag has no tags to filter on");
    expect(flag.stderr).not.toMatch(STACK_LINE);
    const file = join(tmp.dir, "lag-tag.yaml");
    writeFileSync(file, 'thresholds:\n  "schedule_lag{workflow:shop}": ["max<100"]\n');
    const cfg = await runCli(["run", "--config", file, "--out", join(tmp.dir, "lag-tag.jsonl")]);
    expect(cfg.code).toBe(2);
    expect(cfg.stderr).toContain("thresholds.schedule_lag{workflow:shop}");
    expect(cfg.stderr).toContain("schedule_lag has no tags to filter on");
  });
});

describe("replay and the published schema", () => {
  it("replay writes its summary too; `schema summary` prints the JSON Schema a summary is checked against", async () => {
    const rec = await runCli(emit("recording"));
    expect(rec.code, rec.stderr).toBe(0);
    const r = await runCli([
      "replay",
      "--input",
      join(tmp.dir, "recording.jsonl"),
      "--speed",
      "max",
      "--out",
      join(tmp.dir, "replayed.jsonl"),
      "--metrics-addr",
      "127.0.0.1:0",
      "--summary",
      join(tmp.dir, "replayed.summary.json"),
      "--log-level",
      "warn",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = json("replayed.summary.json");
    expect(s.command).toBe("replay");
    expect(s.totals.requests).toBe(events("recording.jsonl").length);
    const schema = await runCli(["schema", "summary"]);
    expect(schema.code).toBe(0);
    const j = JSON.parse(schema.stdout);
    expect(j.$id).toBe("https://tracewalk.dev/schema/summary-v1.json");
    expect(Object.keys(j.properties)).toEqual(Object.keys(s));
  });
});

describe("HTTP mode", () => {
  it("reports latency from the intended send time beside the raw one (open model)", async () => {
    const t = await startTarget(() => ({ delayMs: 5 }));
    targets.push(t);
    const r = await runCli([
      "run",
      "--target",
      t.url,
      "--allow-host",
      "127.0.0.1",
      "--speed",
      "max",
      "--duration",
      "2s",
      "--out",
      join(tmp.dir, "http.jsonl"),
      "--metrics-addr",
      "127.0.0.1:0",
      "--summary",
      join(tmp.dir, "http.summary.json"),
      // A rate cap below what the users ask: sends wait behind it, which only the corrected latency shows.
      "--set",
      "load.arrival_rate=10",
      "--set",
      "target.rate_limit=40",
      "--threshold",
      "arrivals_dropped: count==0",
      "--log-level",
      "warn",
    ]);
    const s = json("http.summary.json");
    const trace = events("http.jsonl");
    expect(s.totals.requests).toBe(trace.length);
    expect(s.totals.requests).toBe(t.received.length);
    expect(s.corrected_latency_ms).not.toBeNull();
    expect(s.corrected_latency_ms.p99).toBeGreaterThanOrEqual(s.latency_ms.p99);
    expect(s.corrected_latency_ms.max).toBeGreaterThan(s.latency_ms.max);
    // Arrivals the capped target could not take are dropped and counted; the gate on them says so.
    expect(r.code).toBe(s.totals.arrivals_dropped > 0 ? 99 : 0);
  });
});
