// Range-based precision and recall for time series (Tatbul, Lee, Zdonik, Alam, Gottschlich:
// "Precision and Recall for Time Series", NeurIPS 2018), computed as the reference implementation,
// the PyPI package `prts`, computes them (test/analysis/score-range.test.ts checks it on the same arrays).

/** Where in a range an overlap is worth most: the paper's positional bias δ. */
export type RangeBias = "flat" | "front" | "middle" | "back";
/** How overlapping several ranges is paid: the paper's cardinality factor γ (1, or 1/count). */
export type RangeCardinality = "one" | "reciprocal";

export interface RangeOptions {
  /** Weight of the existence reward, in [0, 1]; the rest goes to the overlap reward. */
  alpha: number;
  bias: RangeBias;
  cardinality: RangeCardinality;
}

export const DEFAULT_RANGE_OPTIONS: RangeOptions = { alpha: 0, bias: "flat", cardinality: "one" };

/** A maximal run of consecutive positives, first and last index included. */
export interface Range {
  first: number;
  last: number;
}

export interface RangeScore {
  /** null when there is no predicted range (0/0). */
  precision: number | null;
  /** null when there is no real range (0/0). */
  recall: number | null;
}

/** The maximal runs of `true` in `flags`, in order. */
export function rangesOf(flags: ArrayLike<boolean | number>): Range[] {
  const out: Range[] = [];
  let first = -1;
  for (let i = 0; i <= flags.length; i++) {
    const on = i < flags.length && Boolean(flags[i]);
    if (on && first < 0) first = i;
    else if (!on && first >= 0) {
      out.push({ first, last: i - 1 });
      first = -1;
    }
  }
  return out;
}

/**
 * Σ δ(t) for t = 1..k in a range of `length` positions, in closed form so that a long range costs
 * O(1) (prts sums it term by term; the integers are exact in a double up to 2^53).
 */
function biasPrefix(bias: RangeBias, k: number, length: number): number {
  const tri = (n: number) => (n * (n + 1)) / 2;
  switch (bias) {
    case "flat":
      return k;
    case "back": // δ(t) = t
      return tri(k);
    case "front": // δ(t) = length − t + 1
      return k * (length + 1) - tri(k);
    case "middle": {
      // δ(t) = t while t <= length / 2, then length − t + 1.
      const m = Math.floor(length / 2);
      if (k <= m) return tri(k);
      return tri(m) + (k - m) * (length + 1) - (tri(k) - tri(m));
    }
  }
}

/** ω: the share of `range`'s positional weight that lies in [from, to] (inside the range). */
function omega(range: Range, from: number, to: number, bias: RangeBias): number {
  const length = range.last - range.first + 1;
  const total = biasPrefix(bias, length, length);
  if (total <= 0) return 0;
  const a = from - range.first; // positions a+1..b (1-based) are covered
  const b = to - range.first + 1;
  return (biasPrefix(bias, b, length) - biasPrefix(bias, a, length)) / total;
}

/**
 * The mean over `ranges` of α·existence + (1 − α)·γ·Σω against `others` (both sorted and disjoint
 * within themselves): recall when `ranges` are the real ones, precision when they are the predicted.
 */
function meanReward(ranges: readonly Range[], others: readonly Range[], o: RangeOptions): number | null {
  if (ranges.length === 0) return null;
  let sum = 0;
  let j = 0; // the first of `others` that may still reach the current range
  for (const r of ranges) {
    while (j < others.length && others[j]!.last < r.first) j++;
    let count = 0;
    let reward = 0;
    for (let k = j; k < others.length && others[k]!.first <= r.last; k++) {
      count++;
      reward += omega(r, Math.max(r.first, others[k]!.first), Math.min(r.last, others[k]!.last), o.bias);
    }
    const gamma = o.cardinality === "reciprocal" && count > 1 ? 1 / count : 1;
    sum += o.alpha * (count > 0 ? 1 : 0) + (1 - o.alpha) * gamma * reward;
  }
  return sum / ranges.length;
}

/** Range-based precision and recall of `predicted` against `real` (same length, one flag per point). */
export function rangeScore(
  real: ArrayLike<boolean | number>,
  predicted: ArrayLike<boolean | number>,
  options: RangeOptions = DEFAULT_RANGE_OPTIONS,
): RangeScore {
  if (real.length !== predicted.length) {
    throw new RangeError(`real and predicted differ in length (${real.length} vs ${predicted.length})`);
  }
  const realRanges = rangesOf(real);
  const predictedRanges = rangesOf(predicted);
  return {
    precision: meanReward(predictedRanges, realRanges, options),
    recall: meanReward(realRanges, predictedRanges, options),
  };
}
