/** Bounded-memory accumulators of what fit learns per endpoint: method, latency, status, parameters. */

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
    const n = typeof value === "number" ? value : /^-?\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(n)) {
      if (n < this.min) this.min = n;
      if (n > this.max) this.max = n;
    } else this.allInts = false;
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

  /** The workflow's spec: an integer range when every value was an integer, else the choices seen. */
  spec(): (string | number)[] | { min: number; max: number } {
    if (this.allInts && this.min <= this.max) return { min: this.min, max: this.max };
    return [...this.values].sort();
  }
}

/** Everything learned about one endpoint; `next` counts its successors, `$end` included. */
export class EndpointStats {
  calls = 0;
  errors = 0;
  sumMs = 0;
  sumSqMs = 0;
  readonly methods = new Map<string, number>();
  readonly errorStatuses = new Map<number, number>();
  readonly params = new Map<string, ParamStats>();
  readonly next = new Map<string, number>();

  constructor(readonly name: string) {}

  /** Records one call; statuses >= 400 are errors, as the generator's own failures include 400. */
  addCall(method: string, status: number, latencyMs: number, params: Record<string, string | number>): void {
    this.calls++;
    this.methods.set(method, (this.methods.get(method) ?? 0) + 1);
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

  count(target: string): void {
    this.next.set(target, (this.next.get(target) ?? 0) + 1);
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
