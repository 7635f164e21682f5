import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Registry, register } from "prom-client";
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/daemon/metrics.js";
import { populatedMetrics, requireTool } from "../helpers/metrics.js";

const HINT = "install it with `apt-get install -y prometheus` (Debian) — .ci/run does";

function promtoolCheck(exposition: string) {
  requireTool("promtool", HINT);
  return spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
}

describe("exposition format", () => {
  it("a populated registry passes `promtool check metrics`", async () => {
    const text = await populatedMetrics().registry.metrics();
    const r = promtoolCheck(text);
    expect(r.stdout + r.stderr, "promtool's complaints").toBe("");
    expect(r.status).toBe(0);
  });

  it("promtool does reject a bad exposition (the check above is not vacuous)", () => {
    const r = promtoolCheck("# TYPE tracewalk_x_total gauge\ntracewalk_x_total 1\n");
    expect(r.status).not.toBe(0);
  });

  it("has exactly the tracewalk families docs/metrics.md lists, with the values set", async () => {
    const text = await populatedMetrics().registry.metrics();
    const families = [...text.matchAll(/^# TYPE (tracewalk_\w+) (\w+)$/gm)]
      .map((m) => `${m[1]} ${m[2]}`)
      .filter((f) => !/^tracewalk_(process|nodejs)_/.test(f));
    expect(families.sort()).toEqual(
      [
        "tracewalk_events_emitted_total counter",
        "tracewalk_events_undelivered_total counter",
        "tracewalk_sessions_started_total counter",
        "tracewalk_sessions_completed_total counter",
        "tracewalk_arrivals_late_total counter",
        "tracewalk_control_actions_total counter",
        "tracewalk_sink_errors_total counter",
        "tracewalk_sink_retries_total counter",
        "tracewalk_cascades_injected_total counter",
        "tracewalk_cascade_windows_total counter",
        "tracewalk_cascades_active gauge",
        "tracewalk_active_users gauge",
        "tracewalk_active_sessions gauge",
        "tracewalk_sink_backlog_events gauge",
        "tracewalk_sink_ready gauge",
        "tracewalk_virtual_time_seconds gauge",
        "tracewalk_clock_speed gauge",
        "tracewalk_call_latency_seconds histogram",
        "tracewalk_schedule_lag_seconds histogram",
      ].sort(),
    );
    // Node's own metrics under the names Node.js dashboards and alert rules query (no prefix).
    expect(text).toContain("# TYPE process_cpu_seconds_total counter");
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(text).toContain("# TYPE nodejs_eventloop_lag_p99_seconds gauge");
    expect(text).toContain("# TYPE nodejs_gc_duration_seconds histogram");
    expect(text).not.toMatch(/^tracewalk_(process|nodejs)_/m);
    expect(text).toContain('tracewalk_events_emitted_total{sink="test"} 123');
    expect(text).toContain('tracewalk_events_emitted_total{sink="kafka"} 0');
    expect(text).toContain('tracewalk_events_undelivered_total{sink="kafka"} 5');
    expect(text).toContain('tracewalk_sink_backlog_events{sink="test"} 7');
    expect(text).toContain('tracewalk_call_latency_seconds_bucket{le="0.005",workflow="ecommerce"} 0');
    expect(text).toContain('tracewalk_call_latency_seconds_bucket{le="60",workflow="simple"} 0');
    expect(text).toContain('tracewalk_schedule_lag_seconds_bucket{le="0.001"} 0');
    expect(text).toContain("tracewalk_clock_speed +Inf");
    expect(text).toContain("tracewalk_virtual_time_seconds 1767225600");
  });

  it("exports exactly the families docs/metrics.md lists", async () => {
    const readme = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
    const start = readme.indexOf("Families, prefix `tracewalk_`:");
    const end = readme.indexOf("plus the process metrics", start);
    expect(start).toBeGreaterThan(0);
    const listed = [...readme.slice(start, end).matchAll(/`(\w+)(?:\{\w+\})?`/g)]
      .map((m) => `tracewalk_${m[1]}`)
      .filter((n) => n !== "tracewalk_tracewalk_");
    const text = await populatedMetrics().registry.metrics();
    const exported = [...text.matchAll(/^# TYPE (tracewalk_\w+) \w+$/gm)]
      .map((m) => m[1]!)
      .filter((n) => !/^tracewalk_(process|nodejs)_/.test(n));
    expect(listed.sort()).toEqual(exported.sort());
  });

  it("binds children up front and reports readiness by sink", () => {
    const m = new Metrics(new Registry(), { sinks: ["a", "b"], workflows: [] }, { defaultMetrics: false });
    expect(m.readiness()).toEqual({ ready: false, notReady: ["a", "b"] });
    m.sink("a").ready(true);
    expect(m.readiness()).toEqual({ ready: false, notReady: ["b"] });
    m.sink("b").ready(true);
    expect(m.readiness()).toEqual({ ready: true, notReady: [] });
    expect(() => m.sink("c")).toThrow(/unknown sink "c"/);
  });

  it("keeps registries apart (never the global one)", async () => {
    const a = populatedMetrics();
    const b = populatedMetrics();
    expect(await register.metrics()).not.toContain("process_resident_memory_bytes");
    expect(await a.registry.metrics()).toContain('sink="test"} 123');
    expect(await b.registry.metrics()).toContain('sink="test"} 123');
  });
});
