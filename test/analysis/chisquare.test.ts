import { describe, expect, it } from "vitest";
import {
  distributionChiSquare,
  pooledChiSquare,
  rowChiSquare,
  START,
  transitionStats,
} from "../../src/analysis/index.js";

const rows = (o: Record<string, Record<string, number>>) =>
  new Map(Object.entries(o).map(([k, r]) => [k, new Map(Object.entries(r))]));

describe("rowChiSquare", () => {
  it("is Σ (O − E)² / E with k − 1 degrees of freedom", () => {
    expect(rowChiSquare([0.5, 0.5], [60, 40])).toEqual({ statistic: 4, df: 1, pooledCells: 0 });
  });

  it("pools cells with E < 5 into one cell and counts df after merging", () => {
    // n = 100: E = 90, 5, 3, 2 → the 3 and the 2 pool into E = 5.
    const r = rowChiSquare([0.9, 0.05, 0.03, 0.02], [88, 6, 4, 2]);
    expect(r.df).toBe(2);
    expect(r.pooledCells).toBe(2);
    expect(r.statistic).toBeCloseTo(1 / 5 + 1 / 5 + 4 / 90, 12);
  });

  it("grows a pool still below 5 with the next-smallest cell", () => {
    // E = 2 alone is too small: it takes in the E = 8 cell; E = 90 stays.
    const r = rowChiSquare([0.9, 0.08, 0.02], [90, 7, 3]);
    expect(r).toMatchObject({ df: 1, pooledCells: 2 });
    expect(r.statistic).toBeCloseTo(0, 12);
    expect(rowChiSquare([0.96, 0.04], [90, 10])).toEqual({ statistic: 0, df: 0, pooledCells: 2 });
  });
});

describe("pooledChiSquare", () => {
  const chain = rows({
    [START]: { "/a": 1 },
    "/a": { "/b": 0.5, $end: 0.5 },
    "/b": { "/a": 0.25, $end: 0.75 },
    "/c": { $end: 1 },
  });

  it("sums rows with observations; single-category rows add no df", () => {
    const r = pooledChiSquare(chain, rows({ [START]: { "/a": 100 }, "/a": { "/b": 60, $end: 40 } }));
    expect(r).toMatchObject({ statistic: 4, df: 1, rows: 2, pooledCells: 0 });
    expect(r.pValue).toBeCloseTo(0.0455, 4);
  });

  it("tests each row on its observations inside the support", () => {
    const r = pooledChiSquare(chain, rows({ "/b": { "/a": 10, $end: 30, "/zzz": 7 } }));
    expect(r).toMatchObject({ statistic: 0, df: 1 });
  });

  it("gives p = 1 when nothing was observed", () => {
    expect(pooledChiSquare(chain, new Map())).toMatchObject({ statistic: 0, df: 0, pValue: 1 });
  });

  it("tests a single distribution the same way", () => {
    const r = distributionChiSquare(
      new Map([
        ["x", 0.5],
        ["y", 0.5],
      ]),
      new Map([
        ["x", 60],
        ["y", 40],
      ]),
    );
    expect(r).toMatchObject({ statistic: 4, df: 1 });
  });
});

describe("transitionStats", () => {
  const chain = rows({ [START]: { "/a": 1 }, "/a": { "/b": 0.2, $end: 0.8 }, "/b": { $end: 1 } });

  it("gives true and learned p, error and z, sorted with (start) first", () => {
    const stats = transitionStats(chain, rows({ [START]: { "/a": 100 }, "/a": { "/b": 30, $end: 70 } }));
    expect(stats.map((t) => `${t.source}>${t.target}`)).toEqual([
      "(start)>/a",
      "/a>$end",
      "/a>/b",
      "/b>$end",
    ]);
    const ab = stats.find((t) => t.target === "/b")!;
    expect(ab).toMatchObject({ p: 0.2, count: 30, n: 100, learned: 0.3, outside: false });
    expect(ab.error).toBeCloseTo(0.1, 12);
    expect(ab.z).toBeCloseTo(0.1 / Math.sqrt((0.2 * 0.8) / 100), 12);
    expect(stats[0]).toMatchObject({ p: 1, learned: 1, z: null });
    expect(stats[3]).toMatchObject({ n: 0, learned: null, error: null, z: null });
  });

  it("marks observed transitions with p = 0 or unknown endpoints as outside", () => {
    const stats = transitionStats(chain, rows({ "/b": { $end: 5, "/a": 1 }, "/zzz": { $end: 2 } }));
    const outside = stats.filter((t) => t.outside).map((t) => `${t.source}>${t.target}`);
    expect(outside).toEqual(["/b>/a", "/zzz>$end"]);
  });
});
