import type { Registry } from "prom-client";

/** A sample as prom-client's registry formats it. */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  /** Written after `labels`, as prom-client's Histogram passes a series' labels. */
  sharedLabels?: Record<string, string>;
  metricName?: string;
}

/** The face prom-client's registry needs of a metric: name, help, type, and its samples at scrape time. */
interface Collected {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }>;
}

/**
 * A counter and a histogram for the hot path (HTTP mode's per-request series, every call's latency,
 * every session's counts): a sample is an array increment, and the series are built only when /metrics
 * is read. prom-client's own children hash their labels on every observation, which at tens of
 * thousands of requests a second was a tenth of the client's CPU.
 */
export class FastCounter implements Collected {
  readonly type = "counter";
  readonly aggregator = "sum";
  private readonly series: { labels: Record<string, string>; value: number }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** A series, created at 0; hold it and add to `.value`. */
  child(labels: Record<string, string>): { value: number } {
    const s = { labels, value: 0 };
    this.series.push(s);
    return s;
  }

  async get() {
    const values = this.series.map((s) => ({ value: s.value, labels: s.labels }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** One histogram series: counts per bucket (not cumulative), sum and count. */
export interface HistogramSeries {
  observe(v: number): void;
}

/**
 * How a FastHistogram writes its series. `promClientLayout` is for a family that was a prom-client
 * Histogram and whose exposition must not change: a series appears at its first observation (not at
 * `child()`), in the order of those, and `le` is written before the series' labels.
 */
export interface FastHistogramOptions {
  promClientLayout?: boolean;
}

type HistogramData = { labels: Record<string, string>; counts: Float64Array; sum: number };

export class FastHistogram implements Collected {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series: HistogramData[] = [];
  private readonly promClientLayout: boolean;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
    options: FastHistogramOptions = {},
  ) {
    this.promClientLayout = options.promClientLayout ?? false;
    registry.registerMetric(this as never);
  }

  child(labels: Record<string, string>): HistogramSeries {
    const s = { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0 };
    const b = this.buckets;
    const series = this.series;
    let listed = !this.promClientLayout;
    if (listed) series.push(s);
    return {
      observe(v: number) {
        if (!listed) {
          series.push(s);
          listed = true;
        }
        let i = 0;
        while (i < b.length && v > b[i]!) i++;
        s.counts[i]!++;
        s.sum += v;
      },
    };
  }

  async get() {
    const values: Sample[] = [];
    for (const s of this.series) this.samples(s, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  private samples(s: HistogramData, values: Sample[]): void {
    const shared = this.promClientLayout;
    let acc = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      acc += s.counts[i]!;
      const le = i < this.buckets.length ? this.buckets[i]! : "+Inf";
      const metricName = `${this.name}_bucket`;
      if (shared) values.push({ value: acc, labels: { le }, sharedLabels: s.labels, metricName });
      else values.push({ value: acc, labels: { ...s.labels, le }, metricName });
    }
    const labels = shared ? {} : s.labels;
    const sharedLabels = shared ? s.labels : undefined;
    values.push({ value: s.sum, labels, sharedLabels, metricName: `${this.name}_sum` });
    values.push({ value: acc, labels, sharedLabels, metricName: `${this.name}_count` });
  }
}
