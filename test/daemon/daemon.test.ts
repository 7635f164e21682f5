import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import { createLogger } from "../../src/daemon/log.js";
import { tempDir } from "../helpers/cli.js";
import { sample } from "../helpers/metrics.js";

const tmp = tempDir("tw-daemon-inproc-");
afterAll(() => tmp.remove());

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

describe("the daemon's metrics after a run", () => {
  it("count what was delivered and the cascade windows that were labelled", async () => {
    const out = join(tmp.dir, "run.jsonl");
    const config = await loadConfig({
      env: {},
      flags: {
        speed: "max",
        duration: "30m",
        workflow: ["ecommerce", "simple"],
        set: ["generation.cascade_rate=0.3", "metrics.enabled=false", `sinks=[{type: file, path: ${out}}]`],
      },
    });
    const daemon = await createDaemon(config, createLogger("silent", false));
    const summary = await daemon.run();
    expect(await daemon.close()).toEqual({ file: 0 });
    const text = await daemon.registry.metrics();
    const events = lines(out);
    expect(events.length).toBe(summary.events);
    expect(sample(text, 'tracewalk_events_emitted_total{sink="file"}')).toBe(events.length);
    expect(sample(text, 'tracewalk_sink_backlog_events{sink="file"}')).toBe(0);
    expect(sample(text, 'tracewalk_events_undelivered_total{sink="file"}')).toBe(0);
    // One cascade window per label record, counted by the workflow its session walked.
    const labels = lines(join(tmp.dir, "run.labels.jsonl")).map(
      (l) => JSON.parse(l) as { cascade_id: string },
    );
    expect(labels.length).toBeGreaterThan(0);
    const sessions = new Map(
      events
        .map((l) => JSON.parse(l) as { session_id: string; workflow: string })
        .map((e) => [e.session_id, e.workflow]),
    );
    for (const workflow of ["ecommerce", "simple"]) {
      const want = labels.filter(
        (l) => sessions.get(l.cascade_id.replace(/^cascade-/, "")) === workflow,
      ).length;
      expect(sample(text, `tracewalk_cascades_injected_total{workflow="${workflow}"}`), workflow).toBe(want);
    }
  });
});

describe("the run's clock", () => {
  it("starts with the run: time taken before it (sinks connecting) makes no call late", async () => {
    const out = join(tmp.dir, "clock.jsonl");
    const config = await loadConfig({
      env: {},
      flags: {
        speed: "60",
        duration: "30s",
        set: ["metrics.enabled=false", `sinks=[{type: file, path: ${out}}]`],
      },
    });
    const daemon = await createDaemon(config, createLogger("silent", false));
    // What a broker slow to answer does between the run's build and its start (the condition under test).
    await new Promise((wake) => setTimeout(wake, 1200));
    const summary = await daemon.run();
    expect(await daemon.close()).toEqual({ file: 0 });
    expect(summary.events).toBeGreaterThan(0);
    // Before, the clock ran from the build: the first batches went out 1.2 s late.
    expect(daemon.summary.lag.count).toBeGreaterThan(0);
    expect(daemon.summary.lag.max).toBeLessThan(600);
  });
});
