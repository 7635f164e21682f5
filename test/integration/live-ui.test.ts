import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startDaemon, tempDir } from "../helpers/cli.js";
import { until } from "../helpers/metrics.js";

const tmp = tempDir("tw-live-");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => tmp.remove());

const args = (name: string, ui: boolean) => {
  const config = join(tmp.dir, `${name}.yaml`);
  writeFileSync(config, `metrics: { ui: ${ui} }\nthresholds:\n  http_req_duration: ["p(95)<100000"]\n`);
  return ["--config", config, ...common(name)];
};

const common = (name: string) => [
  "--speed",
  "600",
  "--out",
  join(tmp.dir, `${name}.jsonl`),
  "--metrics-addr",
  "127.0.0.1:0",
];

describe("GET / with metrics.ui: true", () => {
  it("serves the charts of the run so far, reloading itself, with its endpoints and thresholds", async () => {
    const { base } = await startDaemon(args("on", true), children);
    // Bounded: the page lists an endpoint once the first calls went out.
    const html = await until("a live page with calls", 30_000, async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const text = await res.text();
      return text.includes("<code>/api/login</code>") ? text : undefined;
    });
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html).toContain("tracewalk run (live) report");
    expect(html).toContain('id="chart-latency"');
    expect(html).toContain("✓ <code>http_req_duration: p(95)&lt;100000</code>");
    expect(html).not.toMatch(/\b(src|href)=/);
  });

  it("is off by default: 404", async () => {
    const { base } = await startDaemon(args("off", false), children);
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(404);
    await res.text();
  });
});
