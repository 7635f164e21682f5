// Small helpers shared by the scorers (score*.ts).

/** n / d, or null when d is 0 (an undefined ratio is reported, never guessed). */
export function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/**
 * The harmonic mean of precision and recall. When one is 0 the mean's limit is 0 whatever the other
 * (a detector that never fires, or whose alerts all miss, scores 0); otherwise an undefined one leaves
 * F1 undefined.
 */
export function f1Of(precision: number | null, recall: number | null): number | null {
  if (precision === 0 || recall === 0) return 0;
  if (precision === null || recall === null) return null;
  return (2 * precision * recall) / (precision + recall);
}

/** The index of the first element of `sorted` that is >= x (sorted.length when none is). */
export function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
