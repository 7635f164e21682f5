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

/**
 * Bins below this (values up to ~4.2 s) are counted in an array, grown as values come (at most 16 KB);
 * the rare larger ones in a map. A map for all was a lookup and a store per value, and a run records
 * every call twice (its series and its timeline bucket).
 */
const DENSE_BINS = 2048;
const NO_BINS = new Float64Array(0);

/** Latencies in one mergeable histogram: record in ms, read percentiles in ms. */
export class Histogram {
  /** Counts by bin, below DENSE_BINS (doubles: exact to 2^53). */
  private dense = NO_BINS;
  private readonly sparse = new Map<number, number>();
  count = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = Number.NEGATIVE_INFINITY;
  private sumUs = 0;

  /** Records one value in milliseconds (rounded to the microsecond). */
  record(ms: number): void {
    const us = Math.round(ms * 1000);
    const b = binOf(us);
    if (b < this.dense.length) this.dense[b]!++;
    else this.add(b, 1);
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  private add(bin: number, n: number): void {
    if (bin >= DENSE_BINS) {
      this.sparse.set(bin, (this.sparse.get(bin) ?? 0) + n);
      return;
    }
    if (bin >= this.dense.length) {
      let size = Math.max(256, this.dense.length);
      while (size <= bin) size *= 2;
      const grown = new Float64Array(size);
      grown.set(this.dense);
      this.dense = grown;
    }
    this.dense[bin]! += n;
  }

  /** [bin, count] of every bin counted, by ascending bin. */
  private bins(): [number, number][] {
    const out: [number, number][] = [];
    const d = this.dense;
    for (let b = 0; b < d.length; b++) if (d[b] !== 0) out.push([b, d[b]!]);
    for (const e of [...this.sparse].sort((a, b) => a[0] - b[0])) out.push(e);
    return out;
  }

  /** Adds every value of `other` (exact: the bins are the same everywhere). */
  merge(other: Histogram): this {
    for (const [b, n] of other.bins()) this.add(b, n);
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
    for (const [b, n] of this.bins()) {
      seen += n;
      if (seen >= rank) {
        const { low, width } = binRange(b);
        const mid = width === 1 ? low : low + (width - 1) / 2;
        return Math.min(Math.max(mid, this.minUs), this.maxUs) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  toJSON(): HistogramJson {
    return {
      count: this.count,
      min_ms: this.min,
      max_ms: this.max,
      sum_ms: this.sumUs / 1000,
      bins: this.bins(),
    };
  }

  /** A histogram back from its JSON (a shard's summary). */
  static fromJSON(j: HistogramJson): Histogram {
    const h = new Histogram();
    for (const [b, n] of j.bins) h.add(b, n);
    h.count = j.count;
    h.sumUs = Math.round(j.sum_ms * 1000);
    if (j.count > 0) {
      h.minUs = Math.round((j.min_ms ?? 0) * 1000);
      h.maxUs = Math.round((j.max_ms ?? 0) * 1000);
    }
    return h;
  }
}
