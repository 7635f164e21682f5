import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startDaemon as startRun, tempDir, waitFor } from "../helpers/cli.js";
import { requireTool, sample } from "../helpers/metrics.js";

const tmp = tempDir("tw-lifecycle-");
afterAll(() => tmp.remove());

// A daemon left by a failed test is killed, so no process outlives the suite.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Starts `tracewalk run` on a config file; resolves the metrics base URL from its log. */
function startDaemon(config: string) {
  return startRun(["--config", config], children);
}

async function scrape(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`).catch(() => null))?.text() ?? "";
}

describe("daemon lifecycle", () => {
  it("SIGHUP applies a new arrival rate from the config file: 0 stops new sessions", async () => {
    const out = join(tmp.dir, "hup.jsonl");
    const config = join(tmp.dir, "hup.yaml");
    const write = (rate: number) =>
      writeFileSync(
        config,
        `load: { arrival_rate: ${rate} }\nclock: { speed: 60 }\nmetrics: { port: 0 }\nlog: { pretty: false }\nsinks: [{ type: file, path: ${out} }]\n`,
      );
    write(5);
    const { run, base, log } = await startDaemon(config);
    await waitFor("sessions to start", () => size(out) > 5000);
    write(0);
    run.child.kill("SIGHUP");
    await waitFor("the reload", () => log().includes("SIGHUP: load reconfigured"));
    // After the reload no session starts; those in flight finish, so started == completed in the end.
    let started = Number.NaN;
    await waitFor(
      "sessions in flight to finish",
      () => {
        void scrape(base).then((t) => {
          const s = sample(t, 'tracewalk_sessions_started_total{workflow="ecommerce"}');
          const c = sample(t, 'tracewalk_sessions_completed_total{workflow="ecommerce"}');
          started = s === c ? s : Number.NaN;
        });
        return !Number.isNaN(started);
      },
      60_000,
    );
    const after = sample(await scrape(base), 'tracewalk_sessions_started_total{workflow="ecommerce"}');
    expect(after).toBe(started);
    // Idle is not finished: with no duration the daemon waits for the next reload or signal.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code).toBe(0);
  });

  it("a second signal exits at once, without waiting for the drain", async () => {
    const out = join(tmp.dir, "twice.jsonl");
    const config = join(tmp.dir, "twice.yaml");
    writeFileSync(
      config,
      `clock: { speed: 1 }\ndrain_timeout: 10m\nmetrics: { port: 0 }\nlog: { pretty: false }\nsinks: [{ type: file, path: ${out} }]\n`,
    );
    const { run, log } = await startDaemon(config);
    await waitFor("the first events", () => size(out) > 0);
    run.child.kill("SIGTERM");
    await waitFor("the drain to begin", () => log().includes("draining sessions in flight"));
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code).toBe(143);
    expect(log()).toContain("second signal");
  });

  it("serves metrics that pass promtool, with every family, while running two workflows by weight", async () => {
    requireTool("promtool", "install Debian's prometheus package (CI does)");
    const out = join(tmp.dir, "two.jsonl");
    const config = join(tmp.dir, "two.yaml");
    writeFileSync(
      config,
      [
        "workflows: [{ preset: ecommerce, weight: 3 }, { preset: simple, weight: 1 }]",
        "load: { arrival_rate: 20 }",
        "clock: { speed: 60 }",
        "metrics: { port: 0 }",
        "log: { pretty: false }",
        `sinks: [{ type: file, path: ${out} }]`,
      ].join("\n"),
    );
    const { run, base } = await startDaemon(config);
    await waitFor("events of both workflows", () => {
      const text = size(out) > 0 ? readFileSync(out, "utf8") : "";
      return text.includes('"workflow":"simple"') && text.split("\n").length > 3000;
    });
    const text = await scrape(base);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    for (const family of [
      "tracewalk_events_emitted_total",
      "tracewalk_sessions_started_total",
      "tracewalk_active_sessions",
      "tracewalk_schedule_lag_seconds_bucket",
      "tracewalk_call_latency_seconds_bucket",
      "tracewalk_sink_ready",
      "tracewalk_sink_backlog_events",
      "tracewalk_events_undelivered_total",
      "tracewalk_cascades_injected_total",
    ]) {
      expect(text).toContain(family);
    }
    // Families of a feature that does not exist yet (HTTP mode) are not exported.
    for (const family of ["http_responses_total", "arrivals_dropped_total"]) {
      expect(text).not.toContain(`tracewalk_${family}`);
    }
    expect(sample(text, 'tracewalk_sink_ready{sink="file"}')).toBe(1);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    expect((await run).code).toBe(0);
    // Users pick a workflow by weight (3:1): sessions of each, within a bound from their count.
    const sessions = new Map<string, string>();
    for (const l of lines(out)) {
      const e = JSON.parse(l) as { session_id: string; workflow: string };
      sessions.set(e.session_id, e.workflow);
    }
    const n = sessions.size;
    const ecommerce = [...sessions.values()].filter((w) => w === "ecommerce").length;
    expect(Math.abs(ecommerce - 0.75 * n)).toBeLessThan(5 * Math.sqrt(n * 0.75 * 0.25) + 0.05 * n);
  });
});
