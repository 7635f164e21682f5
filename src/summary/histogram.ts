/**
 * A log-linear histogram of latencies in the manner of HDR Histogram: values are whole microseconds,
 * exact below 256 µs, and above it kept in 128 linear sub-buckets per power of two, so a percentile is
 * within 1/256 (0.4%) of the true value. Counts are sparse and integer: two histograms merge exactly
 * (add the counts), and memory grows with the spread of the values (at most 3,328 bins), never with
 * the number recorded. Pure: no I/O, no clock.
 */

/** Sub-buckets per power of two (the precision); values below 2 * SUB are kept exactly. */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const EXACT = SUB * 2;
/** Largest value kept (µs, ~35 minutes); larger ones count in the last bin. */
const MAX_US = 2 ** 31 - 1;

/** Bin of a value in whole microseconds. */
export function binOf(us: number): number {
  const v = Math.min(Math.max(0, Math.round(us)), MAX_US);
  if (v < EXACT) return v;
  const exp = 31 - Math.clz32(v); // floor(log2 v), >= SUB_BITS + 1
  const shift = exp - SUB_BITS;
  return EXACT + (exp - SUB_BITS - 1) * SUB + ((v >>> shift) - SUB);
}

/** Lowest value (µs) of a bin, and its width. */
export function binRange(bin: number): { low: number; width: number } {
  if (bin < EXACT) return { low: bin, width: 1 };
  const i = bin - EXACT;
  const shift = Math.floor(i / SUB) + 1;
  const sub = (i % SUB) + SUB;
  return { low: sub * 2 ** shift, width: 2 ** shift };
}

/** The histogram as the summary JSON carries it. */
export interface HistogramJson {
  /** Values recorded. */
  count: number;
  /** Smallest and largest value recorded, and their sum, in ms (null when empty). */
  min_ms: number | null;
  max_ms: number | null;
  sum_ms: number;
  /** [bin, count] pairs by ascending bin; `docs/summary.md` gives bin → value range. */
  bins: [number, number][];
}

/** Latencies in one mergeable histogram: record in ms, read percentiles in ms. */
export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = Number.NEGATIVE_INFINITY;
  private sumUs = 0;

  /** Records one value in milliseconds (rounded to the microsecond). */
  record(ms: number): void {
    const us = Math.round(ms * 1000);
    const b = binOf(us);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds every value of `other` (exact: the bins are the same everywhere). */
  merge(other: Histogram): this {
    for (const [b, n] of other.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    return this;
  }

  get min(): number | null {
    return this.count === 0 ? null : this.minUs / 1000;
  }

  get max(): number | null {
    return this.count === 0 ? null : this.maxUs / 1000;
  }

  get mean(): number | null {
    return this.count === 0 ? null : this.sumUs / this.count / 1000;
  }

  /**
   * The value (ms) at percentile `p` (0..100): the nearest-rank value, as the middle of its bin,
   * clamped to the recorded min and max. Null when empty.
   */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!;
      if (seen >= rank) {
        const { low, width } = binRange(b);
        const mid = width === 1 ? low : low + (width - 1) / 2;
        return Math.min(Math.max(mid, this.minUs), this.maxUs) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  toJSON(): HistogramJson {
    const bins = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    return {
      count: this.count,
      min_ms: this.min,
      max_ms: this.max,
      sum_ms: this.sumUs / 1000,
      bins,
    };
  }

  /** A histogram back from its JSON (a shard's summary). */
  static fromJSON(j: HistogramJson): Histogram {
    const h = new Histogram();
    for (const [b, n] of j.bins) h.counts.set(b, (h.counts.get(b) ?? 0) + n);
    h.count = j.count;
    h.sumUs = Math.round(j.sum_ms * 1000);
    if (j.count > 0) {
      h.minUs = Math.round((j.min_ms ?? 0) * 1000);
      h.maxUs = Math.round((j.max_ms ?? 0) * 1000);
    }
    return h;
  }
}
