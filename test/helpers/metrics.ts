import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { Registry } from "prom-client";
import { Metrics } from "../../src/daemon/metrics.js";

/** A registry with every tracewalk family populated; `events_emitted_total{sink="test"}` is 123. */
export function populatedMetrics(): Metrics {
  const metrics = new Metrics(new Registry(), {
    sinks: ["test", "kafka"],
    workflows: ["ecommerce", "simple"],
  });
  const sink = metrics.sink("test");
  sink.emitted(100);
  sink.emitted(23);
  sink.ready(true);
  sink.backlog(7);
  metrics.sink("kafka").undelivered(5);
  metrics.sink("kafka").error();
  metrics.sink("kafka").retry();
  metrics.sessionStarted(0);
  metrics.sessionStarted(1);
  metrics.sessionCompleted(0);
  metrics.cascadeInjected(1);
  metrics.observeLatency(0, 0.042);
  metrics.observeLatency(1, 75);
  metrics.arrivalsLate(2);
  metrics.activeUsers(10);
  metrics.activeSessions(4);
  metrics.virtualTime(Date.parse("2026-01-01T00:00:00Z"));
  metrics.clockSpeed("max");
  metrics.observeLag(0.002);
  return metrics;
}

/** Fails (never skips) with a clear message when a tool the integration tests need is missing. */
export function requireTool(name: string, hint: string): void {
  const r = spawnSync(name, ["--version"], { encoding: "utf8" });
  if (r.error) throw new Error(`${name} not found on PATH (${r.error.message}); ${hint}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Thrown by a probe to stop `until` at once (e.g. the server under test exited). */
export class FatalProbeError extends Error {}

/** Calls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof FatalProbeError) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Scrapes `${base}/metrics` until `check` holds for its text; resolves that text. */
export function scrapeUntil(
  base: string,
  what: string,
  check: (text: string) => boolean,
  timeoutMs = 30_000,
): Promise<string> {
  return until(what, timeoutMs, async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return check(text) ? text : undefined;
  });
}

/** The value of one series (`name{labels}` as exported) in a /metrics text; NaN when absent. */
export function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

/**
 * A real Prometheus server on 127.0.0.1:`port` with `dir/prometheus.yml` (the caller writes it) and its
 * data in `dir/data`; `log()` is the tail of its stderr, for a test to show when it exits.
 */
export function spawnPrometheus(dir: string, port: number): { child: ChildProcess; log: () => string } {
  let tail = "";
  const args = [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ];
  const child = spawn("prometheus", args, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return { child, log: () => tail };
}

/** Stops a child process: SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
