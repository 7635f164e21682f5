import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { WallClock } from "../../src/daemon/clock.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import { createLogger } from "../../src/daemon/log.js";
import { tempDir } from "../helpers/cli.js";
import { sample } from "../helpers/metrics.js";

const tmp = tempDir("tw-cascade-speeds-");
afterAll(() => tmp.remove());

const START = Date.parse("2026-01-01T00:00:00Z");
const MIN = 60_000;
// Two windows of one cascade (a ramp, so severity varies), one window of another that overlaps it (the earlier window keeps the calls both take).
const CASCADES = [
  { name: "drill", at: ["1m", "2m30s"], duration: "40s", ramp: "10s", scope: { endpoints: ["/api/*"] } },
  {
    name: "slow-home",
    at: ["1m20s"],
    duration: "1m",
    scope: { endpoints: ["/api/products*"] },
    effects: { retry: { probability: 0 } },
  },
];

/** A wall clock the test moves by hand: timers fire only when it is advanced past them. */
class FakeWall implements WallClock {
  private t = START;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves to the earliest timer and fires it. */
  fireNext(): number {
    const [id, next] = [...this.timers].reduce((a, b) => (b[1].at < a[1].at ? b : a));
    this.timers.delete(id);
    this.t = Math.max(this.t, next.at);
    next.fn();
    return this.t;
  }
}

let n = 0;
async function setUp(speed: string, wall?: WallClock) {
  const out = join(tmp.dir, `speed-${n++}.jsonl`);
  const config = await loadConfig({
    env: {},
    flags: {
      speed,
      duration: "4m",
      start: new Date(START).toISOString(),
      workflow: ["ecommerce"],
      set: [
        "metrics.enabled=false",
        "load={model: open, arrival_rate: 3}",
        `sinks=[{type: file, path: ${out}}]`,
        `cascades=${JSON.stringify(CASCADES)}`,
      ],
    },
  });
  const daemon = await createDaemon(config, createLogger("silent", false), wall);
  const read = () => ({
    events: readFileSync(out, "utf8"),
    labels: readFileSync(out.replace(/\.jsonl$/, ".labels.jsonl"), "utf8"),
  });
  return { daemon, read };
}

async function runAt(speed: string) {
  const { daemon, read } = await setUp(speed);
  await daemon.run();
  expect(await daemon.close()).toEqual({ file: 0 });
  return read();
}

describe("cascade windows at speeds 1, 60 and max", () => {
  it("open and close at their virtual instants at speed 1 (a wall clock moved by hand)", async () => {
    const wall = new FakeWall();
    const { daemon, read } = await setUp("1", wall);
    let done = false;
    const running = daemon.run().finally(() => {
      done = true;
    });
    const seen: string[] = [];
    let last = { drill: 0, "slow-home": 0 };
    // Each round: wait for the runner to sleep on its next timer (bounded), read the gauges, move on.
    for (let rounds = 0; !done && rounds < 100_000; rounds++) {
      const deadline = Date.now() + 10_000;
      while (!done && wall.timers.size === 0) {
        if (Date.now() > deadline) throw new Error("the runner neither slept nor finished within 10 s");
        await tick();
      }
      const text = await daemon.registry.metrics();
      const now = { drill: 0, "slow-home": 0 };
      for (const name of ["drill", "slow-home"] as const) {
        now[name] = sample(text, `tracewalk_cascades_active{cascade="${name}"}`);
        if (now[name] !== last[name]) seen.push(`${wall.now() - START} ${name} ${now[name]}`);
      }
      last = now;
      if (!done) wall.fireNext();
    }
    await running;
    expect(await daemon.close()).toEqual({ file: 0 });
    // Exactly when each window opens and closes, to the millisecond of virtual (= fake wall) time.
    expect(seen).toEqual([
      `${1 * MIN} drill 1`,
      `${1 * MIN + 20_000} slow-home 1`,
      `${1 * MIN + 40_000} drill 0`,
      `${2 * MIN + 20_000} slow-home 0`,
      `${2 * MIN + 30_000} drill 1`,
      `${3 * MIN + 10_000} drill 0`,
    ]);
    const atMax = await runAt("max");
    expect(read()).toEqual(atMax);
  });

  it("write the same events and label records at speed 60 as at max", async () => {
    const atMax = await runAt("max");
    const at60 = await runAt("60");
    expect(at60.labels).toBe(atMax.labels);
    expect(at60.events).toBe(atMax.events);
    const records = atMax.labels
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { cascade_id: string; state: string; start: string });
    expect(records.map((r) => `${r.cascade_id} ${r.state}`)).toEqual([
      "drill-0 open",
      "slow-home-0 open",
      "drill-0 closed",
      "slow-home-0 closed",
      "drill-1 open",
      "drill-1 closed",
    ]);
    expect(atMax.events).toContain('"cascade_id":"slow-home-0"');
    expect(atMax.events).toContain('"cascade_id":"drill-1"');
  });
});
