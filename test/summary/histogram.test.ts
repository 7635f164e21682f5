import { describe, expect, it } from "vitest";
import { binOf, binRange, Histogram } from "../../src/summary/histogram.js";
import { Timeline } from "../../src/summary/timeline.js";

/** Nearest-rank percentile of sorted values, as the histogram defines it. */
function exact(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** A deterministic spread of latencies over five decades (0.1 ms to 10 s), skewed like real ones. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(Math.round(10 ** (-1 + 5 * (x / 2 ** 31) ** 2) * 10) / 10);
  }
  return out;
}

describe("Histogram", () => {
  it("puts every value in the bin whose range holds it, exact below 256 µs", () => {
    for (const us of [0, 1, 255, 256, 257, 511, 512, 1000, 123_456, 2 ** 31 - 1]) {
      const { low, width } = binRange(binOf(us));
      expect(us).toBeGreaterThanOrEqual(low);
      expect(us).toBeLessThan(low + width);
      if (us < 256) expect(width).toBe(1);
      else expect(width / low).toBeLessThanOrEqual(1 / 128);
    }
  });

  it("gives percentiles within 0.4% of the exact nearest-rank ones", () => {
    const values = latencies(50_000, 7);
    const h = new Histogram();
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [1, 50, 90, 95, 99, 99.9, 100]) {
      const want = exact(sorted, p);
      expect(Math.abs(h.percentile(p)! - want) / want, `p${p}`).toBeLessThanOrEqual(1 / 256 + 1e-9);
    }
    expect(h.min).toBe(sorted[0]);
    expect(h.max).toBe(sorted[sorted.length - 1]);
    expect(h.count).toBe(values.length);
  });

  it("merges exactly: two halves merged equal the whole, also through JSON", () => {
    const values = latencies(10_000, 3);
    const whole = new Histogram();
    const a = new Histogram();
    const b = new Histogram();
    values.forEach((v, i) => {
      whole.record(v);
      (i % 2 === 0 ? a : b).record(v);
    });
    const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a))).merge(Histogram.fromJSON(b.toJSON()));
    expect(merged.toJSON()).toEqual(whole.toJSON());
  });

  it("lists every bin counted once, ascending, below and above the densely kept range (~4.2 s) alike", () => {
    const values = [...latencies(20_000, 11), 4194.3, 4194.4, 60_000, 0, 2_000_000];
    const h = new Histogram();
    const want = new Map<number, number>();
    for (const v of values) {
      h.record(v);
      const b = binOf(Math.round(v * 1000));
      want.set(b, (want.get(b) ?? 0) + 1);
    }
    expect(h.toJSON().bins).toEqual([...want].sort((x, y) => x[0] - y[0]));
  });

  it("keeps memory bounded: a million values over six decades use few bins", () => {
    const h = new Histogram();
    for (let i = 0; i < 1_000_000; i++) h.record((i % 100_000) / 10 + 0.001);
    expect(h.toJSON().bins.length).toBeLessThan(3328);
    expect(h.count).toBe(1_000_000);
  });
});

describe("Timeline", () => {
  it("coarsens a long run to a bounded number of buckets and merges shards exactly", () => {
    const whole = new Timeline();
    const a = new Timeline();
    const b = new Timeline();
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < 20_000; i++) {
      const t = t0 + i * 500; // 10,000 s: far more than MAX_BUCKETS seconds
      whole.record(t, i % 3 === 0 ? "/a" : "/b", i % 100, i % 10 === 0);
      // Shard a sees only the first half: its buckets stay finer until merged.
      (i < 10_000 ? a : b).record(t, i % 3 === 0 ? "/a" : "/b", i % 100, i % 10 === 0);
    }
    const w = whole.toJSON();
    expect(w.buckets.length).toBeLessThanOrEqual(300);
    expect(w.buckets.reduce((n, x) => n + x.requests, 0)).toBe(20_000);
    const merged = Timeline.fromJSON(a.toJSON()).merge(b.toJSON());
    expect(merged.toJSON()).toEqual(w);
  });
});
