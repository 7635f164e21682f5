import { Histogram, type HistogramJson } from "./histogram.js";

/** Width of the finest bucket (ms); a bucket is this times a power of two, aligned on the epoch. */
const BASE_MS = 1000;
/** Most buckets kept: past it, the width doubles and neighbours merge (memory stays bounded). */
export const MAX_BUCKETS = 300;

interface Bucket {
  requests: number;
  failed: number;
  hist: Histogram;
  /** Per endpoint: [requests, failed]. */
  endpoints: Map<string, [number, number]>;
}

/** One bucket of the timeline as the summary JSON carries it. */
export interface BucketJson {
  /** Start of the bucket, epoch ms (event time). */
  t: number;
  requests: number;
  failed: number;
  latency: HistogramJson;
  /** Per endpoint: [requests, failed]. */
  endpoints: Record<string, [number, number]>;
}

export interface TimelineJson {
  bucket_ms: number;
  buckets: BucketJson[];
}

/**
 * Calls over event time in buckets whose width doubles as the run grows. Buckets are aligned on
 * multiples of their width from the epoch, so two timelines (two shards) merge exactly.
 */
export class Timeline {
  width = BASE_MS;
  private readonly buckets = new Map<number, Bucket>();
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  /** Records one call at event time `t` (epoch ms). */
  record(t: number, endpoint: string, ms: number, failed: boolean): void {
    const b = this.bucketAt(Math.floor(t / this.width));
    b.requests++;
    if (failed) b.failed++;
    b.hist.record(ms);
    let ep = b.endpoints.get(endpoint);
    if (ep === undefined) {
      ep = [0, 0];
      b.endpoints.set(endpoint, ep);
    }
    ep[0]++;
    if (failed) ep[1]++;
  }

  /** Adds another timeline (a shard's), coarsening either to the wider of the two widths. */
  merge(other: TimelineJson): this {
    while (this.width < other.bucket_ms) this.coarsen();
    for (const j of other.buckets) {
      const b = this.bucketAt(Math.floor(j.t / this.width));
      b.requests += j.requests;
      b.failed += j.failed;
      b.hist.merge(Histogram.fromJSON(j.latency));
      for (const [name, [n, f]] of Object.entries(j.endpoints)) addEndpoint(b, name, n, f);
    }
    return this;
  }

  toJSON(): TimelineJson {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    return {
      bucket_ms: this.width,
      buckets: keys.map((k) => {
        const b = this.buckets.get(k)!;
        const endpoints = [...b.endpoints.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
        return {
          t: k * this.width,
          requests: b.requests,
          failed: b.failed,
          latency: b.hist.toJSON(),
          endpoints: Object.fromEntries(endpoints),
        };
      }),
    };
  }

  static fromJSON(j: TimelineJson): Timeline {
    const t = new Timeline();
    t.width = j.bucket_ms;
    return t.merge(j);
  }

  private bucketAt(index: number): Bucket {
    let b = this.buckets.get(index);
    if (b !== undefined) return b;
    const lo = Math.min(this.lo, index);
    const hi = Math.max(this.hi, index);
    if (hi - lo + 1 > MAX_BUCKETS) {
      this.coarsen();
      return this.bucketAt(Math.floor(index / 2));
    }
    this.lo = lo;
    this.hi = hi;
    b = { requests: 0, failed: 0, hist: new Histogram(), endpoints: new Map() };
    this.buckets.set(index, b);
    return b;
  }

  /** Doubles the width: each bucket merges into index / 2. */
  private coarsen(): void {
    const old = [...this.buckets.entries()];
    this.buckets.clear();
    this.width *= 2;
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = Number.NEGATIVE_INFINITY;
    for (const [k, b] of old) {
      const i = Math.floor(k / 2);
      this.lo = Math.min(this.lo, i);
      this.hi = Math.max(this.hi, i);
      const into = this.buckets.get(i);
      if (into === undefined) {
        this.buckets.set(i, b);
        continue;
      }
      into.requests += b.requests;
      into.failed += b.failed;
      into.hist.merge(b.hist);
      for (const [name, [n, f]] of b.endpoints) addEndpoint(into, name, n, f);
    }
  }
}

function addEndpoint(b: Bucket, name: string, n: number, f: number): void {
  const ep = b.endpoints.get(name);
  if (ep === undefined) b.endpoints.set(name, [n, f]);
  else {
    ep[0] += n;
    ep[1] += f;
  }
}
