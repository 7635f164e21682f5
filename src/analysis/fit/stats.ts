/** Bounded-memory accumulators of what fit learns per endpoint: method, latency, status, parameters. */

import { END } from "../../workflow/types.js";

/** At most this many distinct values of a parameter are kept as its choices. */
export const MAX_CHOICES = 20;

/** The values of one parameter: integers as a range, else up to MAX_CHOICES distinct strings. */
export class ParamStats {
  readonly values = new Set<string>();
  /** Numbers whose text is in `values` already: most calls then need no string to be made. */
  private readonly numbers = new Set<number>();
  /** Distinct values beyond MAX_CHOICES were seen and dropped. */
  overflow = false;
  allInts = true;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(value: string | number): void {
    // Neither a range nor choices can change any more: spec() gives what it would give anyway.
    if (this.overflow && !this.allInts) return;
    // Once one value was no integer, the range is never used (spec() gives choices): no parse per call.
    if (this.allInts) {
      const n = typeof value === "number" ? value : intText(value) ? Number(value) : Number.NaN;
      if (Number.isSafeInteger(n)) {
        if (n < this.min) this.min = n;
        if (n > this.max) this.max = n;
      } else this.allInts = false;
    }
    // Once a value beyond the cap was seen, the choices are final: no string or lookup per call.
    if (this.overflow) return;
    const number = typeof value === "number";
    if (number && this.numbers.has(value)) return;
    const text = String(value);
    if (!this.values.has(text)) {
      if (this.values.size >= MAX_CHOICES) {
        this.overflow = true;
        return;
      }
      this.values.add(text);
    }
    if (number) this.numbers.add(value);
  }

  state(): ParamState {
    return {
      values: [...this.values],
      overflow: this.overflow,
      allInts: this.allInts,
      min: this.min,
      max: this.max,
    };
  }

  /**
   * Adds the values of a later part of the input, as add() would have taken them one by one: its
   * distinct values in the order first seen, up to the cap (the ones that fit are among the first
   * MAX_CHOICES distinct of that part, which it kept).
   */
  merge(later: ParamState): void {
    // The range holds the integers before the first value that is none, here and in `later` alike.
    if (this.allInts) {
      this.min = Math.min(this.min, later.min);
      this.max = Math.max(this.max, later.max);
      this.allInts = later.allInts;
    }
    if (this.overflow) return;
    for (const v of later.values) {
      if (this.values.has(v)) continue;
      if (this.values.size >= MAX_CHOICES) {
        this.overflow = true;
        return;
      }
      this.values.add(v);
    }
    if (later.overflow) this.overflow = true;
  }

  /** The workflow's spec: an integer range when every value was an integer, else the choices seen. */
  spec(): (string | number)[] | { min: number; max: number } {
    if (this.allInts && this.min <= this.max) return { min: this.min, max: this.max };
    return [...this.values].sort();
  }
}

const INT_TEXT = /^-?\d{1,15}$/;
// A JSON.parse'd value may be of any kind (a line the scanner left): the regex as ever for those.
const intText = (v: unknown): boolean => (typeof v === "string" ? isIntText(v) : INT_TEXT.test(v as string));

/** Whether `s` is /^-?\d{1,15}$/ (a path id is, on most calls: a loop costs less than the regex). */
export function isIntText(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (n - i < 1 || n - i > 15) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A parameter's values as plain data (see ParamStats.merge). */
export interface ParamState {
  values: string[];
  overflow: boolean;
  allInts: boolean;
  min: number;
  max: number;
}

/** An endpoint's stats as plain data (see EndpointStats.merge). */
export interface EndpointState {
  name: string;
  calls: number;
  errors: number;
  sumMs: number;
  sumSqMs: number;
  errorStatuses: [number, number][];
  params: [string, ParamState][];
  methods: [string, number][];
  /** Successors by name, `$end` included. */
  next: [string, number][];
}

/** Everything learned about one endpoint; `next` counts its successors, `$end` included. */
export class EndpointStats {
  calls = 0;
  errors = 0;
  sumMs = 0;
  sumSqMs = 0;
  readonly errorStatuses = new Map<number, number>();
  readonly params = new Map<string, ParamStats>();
  private readonly methodCounts = new Map<string, number>();
  // A run of calls with one method (an endpoint almost always has one) counted here, added to
  // methodCounts when another method comes or when read: no Map update per call. Each method still
  // enters methodCounts in the order first seen, which method() breaks ties by.
  private runMethod: string | undefined = undefined;
  private runCount = 0;
  // Successors by the learner's endpoint index (see `index`), and the end of a session apart: an
  // array slot per transition instead of a Map lookup and update by name.
  private readonly nextCounts: number[] = [];
  private readonly nextTargets: EndpointStats[] = [];
  private ends = 0;

  /** @param index this endpoint's position among its learner's endpoints, from 0. */
  constructor(
    readonly name: string,
    readonly index: number,
  ) {}

  /** Calls per method, each in the order first seen. */
  get methods(): ReadonlyMap<string, number> {
    this.endRun();
    return this.methodCounts;
  }

  private endRun(): void {
    if (this.runMethod === undefined) return;
    this.methodCounts.set(this.runMethod, (this.methodCounts.get(this.runMethod) ?? 0) + this.runCount);
    this.runMethod = undefined;
    this.runCount = 0;
  }

  /** Successors (`$end` for the end of a session) and how often each followed. */
  get next(): ReadonlyMap<string, number> {
    const next = new Map<string, number>();
    for (const t of this.nextTargets) if (t !== undefined) next.set(t.name, this.nextCounts[t.index]!);
    if (this.ends > 0) next.set(END, this.ends);
    return next;
  }

  state(): EndpointState {
    return {
      name: this.name,
      calls: this.calls,
      errors: this.errors,
      sumMs: this.sumMs,
      sumSqMs: this.sumSqMs,
      errorStatuses: [...this.errorStatuses],
      params: [...this.params].map(([name, p]) => [name, p.state()]),
      methods: [...this.methods],
      next: [...this.next],
    };
  }

  /**
   * Adds what a later part of the input learned of this endpoint: counts and sums, methods and
   * parameters in the order first seen, successors found by name with `endpoint`.
   */
  merge(later: EndpointState, endpoint: (name: string) => EndpointStats): void {
    this.calls += later.calls;
    this.errors += later.errors;
    this.sumMs += later.sumMs;
    this.sumSqMs += later.sumSqMs;
    for (const [status, n] of later.errorStatuses)
      this.errorStatuses.set(status, (this.errorStatuses.get(status) ?? 0) + n);
    this.endRun();
    for (const [m, n] of later.methods) this.methodCounts.set(m, (this.methodCounts.get(m) ?? 0) + n);
    for (const [name, state] of later.params) {
      let p = this.params.get(name);
      if (p === undefined) {
        p = new ParamStats();
        this.params.set(name, p);
      }
      p.merge(state);
    }
    for (const [target, n] of later.next) {
      if (target === END) {
        this.ends += n;
        continue;
      }
      const e = endpoint(target);
      if (this.nextTargets[e.index] === undefined) {
        this.nextTargets[e.index] = e;
        this.nextCounts[e.index] = n;
      } else this.nextCounts[e.index]! += n;
    }
  }

  /** Records one call; statuses >= 400 are errors, as the generator's own failures include 400. */
  addCall(method: string, status: number, latencyMs: number, params: Record<string, string | number>): void {
    this.calls++;
    if (method === this.runMethod) this.runCount++;
    else {
      this.endRun();
      this.runMethod = method;
      this.runCount = 1;
    }
    this.sumMs += latencyMs;
    this.sumSqMs += latencyMs * latencyMs;
    if (status >= 400) {
      this.errors++;
      this.errorStatuses.set(status, (this.errorStatuses.get(status) ?? 0) + 1);
    }
    for (const name in params) {
      let p = this.params.get(name);
      if (p === undefined) {
        p = new ParamStats();
        this.params.set(name, p);
      }
      p.add(params[name]!);
    }
  }

  /** Counts a successor: another endpoint of the same learner (with its index), or the end of a session. */
  count(target: EndpointStats | typeof END): void {
    if (target === END) this.ends++;
    else if (this.nextTargets[target.index] === undefined) {
      this.nextTargets[target.index] = target;
      this.nextCounts[target.index] = 1;
    } else this.nextCounts[target.index]!++;
  }

  mean(): number {
    return this.calls === 0 ? 0 : this.sumMs / this.calls;
  }

  /** Standard deviation over mean (the workflow's response_time_jitter); 0 without a spread. */
  jitter(): number {
    const mean = this.mean();
    if (this.calls < 2 || mean <= 0) return 0;
    const variance = Math.max(0, (this.sumSqMs - this.calls * mean * mean) / (this.calls - 1));
    return Math.sqrt(variance) / mean;
  }

  method(): string {
    let best = "GET";
    let most = -1;
    for (const [m, n] of this.methods) {
      if (n > most) [best, most] = [m, n];
    }
    return best;
  }
}

const PER_E = 20;

/** A histogram as plain data: its nonzero buckets as [bucket, count]. */
export interface HistogramState {
  buckets: [number, number][];
  count: number;
  min: number;
  max: number;
}

/**
 * Think times in log-spaced buckets (about 5% wide), so quantiles cost a few hundred counters
 * whatever the input size; min and max are exact.
 */
export class LogHistogram {
  readonly buckets: number[] = [];
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  add(ms: number): void {
    const v = Math.max(ms, 0);
    const b = Math.floor(Math.log1p(v) * PER_E);
    this.buckets[b] = (this.buckets[b] ?? 0) + 1;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  state(): HistogramState {
    const buckets: [number, number][] = [];
    this.buckets.forEach((n, b) => {
      buckets.push([b, n]);
    });
    return { buckets, count: this.count, min: this.min, max: this.max };
  }

  merge(later: HistogramState): void {
    for (const [b, n] of later.buckets) this.buckets[b] = (this.buckets[b] ?? 0) + n;
    this.count += later.count;
    this.min = Math.min(this.min, later.min);
    this.max = Math.max(this.max, later.max);
  }

  /** The q-quantile in ms (the middle of its bucket, clamped to min and max); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      seen += this.buckets[b] ?? 0;
      if (seen >= rank) {
        const mid = Math.expm1((b + 0.5) / PER_E);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }
}
