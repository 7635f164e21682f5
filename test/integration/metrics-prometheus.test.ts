import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Metrics } from "../../src/daemon/metrics.js";
import { type MetricsServer, startMetricsServer } from "../../src/daemon/server.js";
import {
  FatalProbeError,
  freePort,
  populatedMetrics,
  requireTool,
  spawnPrometheus,
  stopChild,
  until,
} from "../helpers/metrics.js";

const HINT = "install it with `apt-get install -y prometheus` (Debian) — .ci/run does";

let dir: string;
let metrics: Metrics;
let server: MetricsServer;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let promLog: () => string = () => "";

function startPrometheus(target: string, port: number): ChildProcess {
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "scrape_configs:",
    "  - job_name: tracewalk",
    "    static_configs:",
    `      - targets: ["${target}"]`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "prometheus.yml"), config);
  const started = spawnPrometheus(dir, port);
  promLog = started.log;
  return started.child;
}

/** The single value of an instant query, or undefined while the result is empty. */
async function queryValue(query: string): Promise<string | undefined> {
  if (prometheus?.exitCode !== null) throw new FatalProbeError(`prometheus exited: ${promLog()}`);
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result[0]?.value[1];
}

beforeAll(async () => {
  requireTool("prometheus", HINT);
  dir = mkdtempSync(join(tmpdir(), "tracewalk-prom-"));
  metrics = populatedMetrics();
  server = await startMetricsServer({ port: 0, registry: metrics.registry });
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = startPrometheus(`127.0.0.1:${server.address.port}`, port);
});

afterAll(async () => {
  if (prometheus) await stopChild(prometheus);
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a real Prometheus scraping the metrics server", () => {
  it("sees the target up", async () => {
    const up = await until('up{job="tracewalk"} == 1', 60_000, async () => {
      const v = await queryValue('up{job="tracewalk"}');
      return v === "1" ? v : undefined;
    });
    expect(up).toBe("1");
  });

  it("reads the counters and gauges we set", async () => {
    const emitted = await until('tracewalk_events_emitted_total{sink="test"}', 30_000, () =>
      queryValue('tracewalk_events_emitted_total{sink="test"}'),
    );
    expect(emitted).toBe("123");
    expect(await queryValue('tracewalk_sink_backlog_events{sink="test"}')).toBe("7");
    expect(await queryValue("tracewalk_clock_speed")).toBe("+Inf");
    expect(await queryValue('tracewalk_call_latency_seconds_count{workflow="simple"}')).toBe("1");
  });

  it("follows a counter as it moves", async () => {
    metrics.sink("test").emitted(877);
    const v = await until("the counter to reach 1000", 30_000, async () => {
      const value = await queryValue('tracewalk_events_emitted_total{sink="test"}');
      return value === "1000" ? value : undefined;
    });
    expect(v).toBe("1000");
  });
});
