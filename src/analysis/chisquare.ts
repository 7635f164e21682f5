import { chiSquareSf } from "./gamma.js";
import type { Chain, CountRows } from "./model.js";

/** Below this expected count a cell is pooled with others of its row (Cochran's rule). */
export const MIN_EXPECTED = 5;

/** A chi-square goodness-of-fit result. */
export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
  /** Rows that took part (at least one observation inside the support). */
  rows: number;
  /** Cells with expected count < MIN_EXPECTED that were merged into a pooled cell. */
  pooledCells: number;
  /** Rows in which cells were pooled. */
  pooledRows: number;
}

/** One row's contribution: statistic, degrees of freedom, and how many cells were pooled. */
export interface RowChiSquare {
  statistic: number;
  df: number;
  pooledCells: number;
}

/**
 * Chi-square of one row of observed counts against probabilities (p > 0, summing to 1). Cells with
 * E < minExpected are merged into one pooled cell, which takes in the next-smallest cells while its own
 * E is still below minExpected; df is the number of cells after merging, minus one.
 */
export function rowChiSquare(probs: number[], counts: number[], minExpected = MIN_EXPECTED): RowChiSquare {
  const n = counts.reduce((s, c) => s + c, 0);
  const cells = probs.map((p, i) => ({ e: n * p, o: counts[i] ?? 0 })).sort((a, b) => a.e - b.e);
  let pooled = 0;
  let pool = { e: 0, o: 0 };
  while (pooled < cells.length && (cells[pooled]!.e < minExpected || (pooled > 0 && pool.e < minExpected))) {
    pool = { e: pool.e + cells[pooled]!.e, o: pool.o + cells[pooled]!.o };
    pooled++;
  }
  const kept = pooled > 1 ? [pool, ...cells.slice(pooled)] : cells;
  if (kept.length < 2) return { statistic: 0, df: 0, pooledCells: pooled > 1 ? pooled : 0 };
  const statistic = kept.reduce((s, { e, o }) => s + (o - e) ** 2 / e, 0);
  return { statistic, df: kept.length - 1, pooledCells: pooled > 1 ? pooled : 0 };
}

/**
 * Pooled goodness of fit of every row of the chain. Each row is tested on its observations inside the
 * support (targets with p > 0): steps outside the workflow are judged on their own, and leaving them out
 * keeps the row's expected counts summing to its observed total.
 */
export function pooledChiSquare(
  chain: Chain,
  observed: CountRows,
  minExpected = MIN_EXPECTED,
): ChiSquareResult {
  const total = { statistic: 0, df: 0, rows: 0, pooledCells: 0, pooledRows: 0 };
  for (const [source, row] of chain) {
    const targets = [...row.keys()];
    const counts = targets.map((t) => observed.get(source)?.get(t) ?? 0);
    if (counts.every((c) => c === 0)) continue;
    const r = rowChiSquare(
      targets.map((t) => row.get(t)!),
      counts,
      minExpected,
    );
    total.statistic += r.statistic;
    total.df += r.df;
    total.rows++;
    total.pooledCells += r.pooledCells;
    if (r.pooledCells > 0) total.pooledRows++;
  }
  return { ...total, pValue: chiSquareSf(total.statistic, total.df) };
}

/** Goodness of fit of one categorical distribution (e.g. user types) to observed counts. */
export function distributionChiSquare(
  probs: ReadonlyMap<string, number>,
  observed: ReadonlyMap<string, number>,
  minExpected = MIN_EXPECTED,
): ChiSquareResult {
  return pooledChiSquare(new Map([["", probs]]), new Map([["", observed]]), minExpected);
}
