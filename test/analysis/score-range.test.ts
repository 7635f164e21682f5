import { describe, expect, it } from "vitest";
import { type RangeBias, type RangeCardinality, rangeScore, rangesOf } from "../../src/analysis/index.js";
import { type PrtsCase, prtsScores } from "../helpers/prts.js";

/** mulberry32: a small seeded generator, so the arrays are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 0/1 array of runs: each run's length drawn up to `maxRun`, ones with probability `density`. */
function runs(next: () => number, length: number, density: number, maxRun: number): number[] {
  const out: number[] = [];
  while (out.length < length) {
    const v = next() < density ? 1 : 0;
    const n = 1 + Math.floor(next() * maxRun);
    for (let i = 0; i < n && out.length < length; i++) out.push(v);
  }
  if (!out.includes(1)) out[Math.floor(next() * length)] = 1; // prts needs a 1 in each array
  return out;
}

const BIASES: RangeBias[] = ["flat", "front", "middle", "back"];
const CARDINALITIES: RangeCardinality[] = ["one", "reciprocal"];
const ALPHAS = [0, 0.2, 0.5, 1];

function arrays(): { real: number[]; pred: number[] }[] {
  const out: { real: number[]; pred: number[] }[] = [
    { real: [1], pred: [1] },
    { real: [1, 1, 1, 1, 1], pred: [0, 1, 0, 1, 0] }, // one real range, two predicted inside it
    { real: [0, 1, 1, 0, 1, 1, 1, 0], pred: [1, 1, 1, 1, 1, 1, 1, 1] }, // one predicted, two real
    { real: [1, 0, 0, 0, 0, 0], pred: [0, 0, 0, 0, 0, 1] }, // no overlap at all
  ];
  for (const seed of [1, 2, 3, 7, 11, 42]) {
    const next = rng(seed);
    const length = 50 + Math.floor(next() * 250);
    out.push({ real: runs(next, length, 0.3, 12), pred: runs(next, length, 0.35, 9) });
  }
  return out;
}

describe("rangeScore against prts (Tatbul et al., NeurIPS 2018)", () => {
  it("agrees within 1e-6 on generated arrays for every alpha, bias and cardinality", () => {
    const cases: PrtsCase[] = [];
    for (const { real, pred } of arrays())
      for (const alpha of ALPHAS)
        for (const bias of BIASES)
          for (const cardinality of CARDINALITIES) cases.push({ real, pred, alpha, bias, cardinality });
    const reference = prtsScores(cases);
    expect(reference).toHaveLength(cases.length);
    let nonTrivial = 0;
    cases.forEach((c, i) => {
      const ours = rangeScore(c.real, c.pred, {
        alpha: c.alpha,
        bias: c.bias as RangeBias,
        cardinality: c.cardinality as RangeCardinality,
      });
      const [precision, recall] = reference[i]!;
      const where = `case ${i} (${c.alpha}/${c.bias}/${c.cardinality}, length ${c.real.length})`;
      expect(Math.abs(ours.precision! - precision), `precision, ${where}`).toBeLessThan(1e-6);
      expect(Math.abs(ours.recall! - recall), `recall, ${where}`).toBeLessThan(1e-6);
      if (precision > 0 && precision < 1 && recall > 0 && recall < 1) nonTrivial++;
    });
    // The comparison means something only if most cases are neither 0 nor 1.
    expect(nonTrivial).toBeGreaterThan(cases.length / 2);
  }, 120_000);

  it("finds the maximal runs and leaves 0/0 undefined", () => {
    expect(rangesOf([0, 1, 1, 0, 1])).toEqual([
      { first: 1, last: 2 },
      { first: 4, last: 4 },
    ]);
    expect(rangeScore([0, 0], [0, 1])).toEqual({ precision: 0, recall: null });
    expect(rangeScore([0, 1], [0, 0])).toEqual({ precision: null, recall: 0 });
    expect(() => rangeScore([1], [1, 0])).toThrow(/differ in length/);
  });

  it("pays a front-biased overlap more at the start of the real range", () => {
    // Real range of 4; predicted covers its first point: front δ = 4,3,2,1 → 4/10; back → 1/10.
    const real = [1, 1, 1, 1];
    const pred = [1, 0, 0, 0];
    expect(rangeScore(real, pred, { alpha: 0, bias: "front", cardinality: "one" }).recall).toBeCloseTo(
      0.4,
      12,
    );
    expect(rangeScore(real, pred, { alpha: 0, bias: "back", cardinality: "one" }).recall).toBeCloseTo(
      0.1,
      12,
    );
    // alpha 1: existence alone.
    expect(rangeScore(real, pred, { alpha: 1, bias: "back", cardinality: "one" }).recall).toBe(1);
  });
});
