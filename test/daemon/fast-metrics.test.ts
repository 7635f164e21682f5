import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastCounter, FastHistogram } from "../../src/daemon/fast-metrics.js";

const BUCKETS = [0.005, 0.1, 1, 60];
const VALUES: [number, number][] = [
  [2, 0.003],
  [0, 0.7],
  [2, 100],
  [0, 0.005],
  [2, 0.1],
];

describe("FastHistogram with promClientLayout", () => {
  it("writes the very bytes prom-client's Histogram writes: series at first observation, le first", async () => {
    const ref = new Registry();
    const promHist = new Histogram({
      name: "x_seconds",
      help: "h",
      labelNames: ["workflow"],
      buckets: BUCKETS,
      registers: [ref],
    });
    const refChildren = ["a", "b", "c"].map((w) => promHist.labels(w));
    const ours = new Registry();
    const fast = new FastHistogram("x_seconds", "h", BUCKETS, ours, { promClientLayout: true });
    const children = ["a", "b", "c"].map((w) => fast.child({ workflow: w }));

    expect(await ours.metrics()).toBe(await ref.metrics());
    for (const [i, v] of VALUES) {
      refChildren[i]!.observe(v);
      children[i]!.observe(v);
    }
    const text = await ours.metrics();
    expect(text).toBe(await ref.metrics());
    expect(text).toContain('x_seconds_bucket{le="0.005",workflow="c"} 1');
    expect(text).not.toContain('workflow="b"');
  });

  it("without it, every series is written from child(), its labels before le", async () => {
    const reg = new Registry();
    const fast = new FastHistogram("y_seconds", "h", BUCKETS, reg);
    fast.child({ endpoint: "/a" });
    expect(await reg.metrics()).toContain('y_seconds_bucket{endpoint="/a",le="+Inf"} 0');
  });
});

describe("FastCounter", () => {
  it("writes the bytes of a prom-client Counter whose children were started at 0", async () => {
    const ref = new Registry();
    const promCounter = new Counter({
      name: "s_total",
      help: "c",
      labelNames: ["workflow"],
      registers: [ref],
    });
    const refChildren = ["a", "b"].map((w) => promCounter.labels(w));
    for (const c of refChildren) c.inc(0);
    const ours = new Registry();
    const fast = new FastCounter("s_total", "c", ours);
    const children = ["a", "b"].map((w) => fast.child({ workflow: w }));
    refChildren[1]!.inc();
    refChildren[1]!.inc();
    children[1]!.value++;
    children[1]!.value++;
    expect(await ours.metrics()).toBe(await ref.metrics());
  });
});
