import { describe, expect, it } from "vitest";
import { chiSquareSf, logGamma, regularizedGammaP, regularizedGammaQ } from "../../src/analysis/gamma.js";

// Reference values from mpmath (30 digits): gammainc(k/2, x/2, regularized=True).
const CHI2_SF: [x: number, df: number, sf: number][] = [
  [3.841458820694124, 1, 0.05],
  [18.307038053275146, 10, 0.05],
  [1, 1, 0.3173105078629141],
  [10, 3, 0.018566135463043233],
  [0.5, 4, 0.973500978839256],
  [30.578, 15, 0.00999973755815915],
  [1e-5, 1, 0.9974768716831944],
  [1000, 1000, 0.49405285382923964],
  [1100, 1000, 0.014614408126295194],
  [10500, 10000, 2.47947367989361e-4],
  [100000, 100000, 0.4994052918952067],
];

describe("logGamma", () => {
  it("matches factorials and Γ(1/2) = √π", () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });

  it("rejects x <= 0", () => {
    expect(() => logGamma(0)).toThrow(RangeError);
  });
});

describe("chiSquareSf", () => {
  it.each(CHI2_SF)("sf(%d, %d) ≈ %d", (x, df, sf) => {
    expect(Math.abs(chiSquareSf(x, df) - sf) / sf).toBeLessThan(1e-9);
  });

  it("is 1 at x = 0 and for df = 0", () => {
    for (const k of [1, 2, 7, 500]) expect(chiSquareSf(0, k)).toBe(1);
    expect(chiSquareSf(3, 0)).toBe(1);
  });

  it("keeps relative precision deep in the tails", () => {
    expect(chiSquareSf(50, 2) / 1.3887943864964021e-11).toBeCloseTo(1, 9);
    expect(chiSquareSf(200, 20) / 1.12534739608427e-31).toBeCloseTo(1, 8);
    expect(chiSquareSf(11000, 10000) / 3.61832955809648e-12).toBeCloseTo(1, 6);
  });

  it("for df = 2 equals exp(-x/2)", () => {
    for (const x of [0.1, 1, 2.9, 3.1, 10, 40])
      expect(chiSquareSf(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
  });

  it("rejects a fractional or negative df", () => {
    expect(() => chiSquareSf(1, 1.5)).toThrow(RangeError);
    expect(() => chiSquareSf(1, -1)).toThrow(RangeError);
  });
});

describe("regularized incomplete gamma", () => {
  it("P + Q = 1 on both sides of the series/fraction switch", () => {
    for (const [a, x] of [
      [0.5, 0.2],
      [3, 3.9],
      [3, 4.1],
      [50, 45],
      [50, 60],
    ] as const) {
      expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 14);
    }
  });

  it("P(1, x) = 1 − e^(−x)", () => {
    for (const x of [0.01, 0.5, 2, 8]) expect(regularizedGammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 14);
  });
});
