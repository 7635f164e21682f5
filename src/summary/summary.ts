import { Histogram, type HistogramJson } from "./histogram.js";
import {
  cmp,
  compareTags,
  isFailed,
  type Series,
  type SeriesTags,
  type SummaryRecorder,
  type WindowSpan,
} from "./recorder.js";
import { evaluate, type Facts, parseThreshold, type Threshold, type ThresholdResult } from "./thresholds.js";
import { Timeline, type TimelineJson } from "./timeline.js";

/** Version tag of the summary JSON; a change that breaks a reader gets a new one. */
export const SUMMARY_SCHEMA = "tracewalk.summary/v1";

/** Latency percentiles in ms (null without calls). */
export interface Percentiles {
  min: number | null;
  avg: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface EndpointRow {
  endpoint: string;
  requests: number;
  /** Calls per second of event time. */
  rate: number | null;
  failed: number;
  error_rate: number | null;
  latency_ms: Percentiles;
  /** Open model in HTTP mode: from the intended send time; null otherwise. */
  corrected_latency_ms: Percentiles | null;
}

export interface Totals {
  requests: number;
  failed: number;
  events_emitted: number;
  events_undelivered: number;
  arrivals_dropped: number;
  arrivals_late: number;
  sessions_started: number;
  sessions_completed: number;
  sessions_cut: number;
}

export interface SeriesJson extends SeriesTags {
  latency: HistogramJson;
  corrected: HistogramJson | null;
}

/** The end-of-run summary (`--summary FILE`), documented field by field in docs/summary.md. */
export interface SummaryV1 {
  schema: typeof SUMMARY_SCHEMA;
  command: string;
  /** Summaries merged into this one (shards). */
  shards: number;
  seed: number;
  /** Event time of the first and last call (null without calls), and the seconds between them. */
  start: string | null;
  end: string | null;
  duration_s: number;
  passed: boolean;
  thresholds: ThresholdResult[];
  totals: Totals;
  latency_ms: Percentiles;
  corrected_latency_ms: Percentiles | null;
  /** Wall ms each batch ran behind its schedule; null when no batch went out. */
  schedule_lag_ms: Percentiles | null;
  /** The same as a histogram (one value per batch), which `summary merge` adds up. */
  schedule_lag: HistogramJson;
  endpoints: EndpointRow[];
  cascades: WindowSpan[];
  series: SeriesJson[];
  timeline: TimelineJson;
}

/** What a run knows besides its events: counters, the command and seed, its thresholds. */
export interface RunFacts {
  command: string;
  seed: number;
  thresholds: readonly Threshold[];
  counters: Omit<Totals, "requests" | "failed">;
}

export function percentiles(h: Histogram): Percentiles {
  // Whole microseconds: the histogram's unit, and no float noise in the JSON.
  const r = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    min: h.min,
    avg: r(h.mean),
    p50: r(h.percentile(50)),
    p90: r(h.percentile(90)),
    p95: r(h.percentile(95)),
    p99: r(h.percentile(99)),
    max: h.max,
  };
}

const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1e6) / 1e6);

function endpointRows(series: readonly Series[], duration_s: number): EndpointRow[] {
  const by = new Map<string, Series[]>();
  for (const s of series) by.set(s.endpoint, [...(by.get(s.endpoint) ?? []), s]);
  return [...by.keys()].sort(cmp).map((endpoint) => {
    const list = by.get(endpoint)!;
    const h = new Histogram();
    const c = new Histogram();
    let failed = 0;
    for (const s of list) {
      h.merge(s.hist);
      if (s.corrected !== null) c.merge(s.corrected);
      if (isFailed(s.status)) failed += s.hist.count;
    }
    return {
      endpoint,
      requests: h.count,
      rate: ratio(h.count, duration_s),
      failed,
      error_rate: ratio(failed, h.count),
      latency_ms: percentiles(h),
      corrected_latency_ms: c.count === 0 ? null : percentiles(c),
    };
  });
}

interface Parts {
  command: string;
  seed: number;
  shards: number;
  firstMs: number;
  lastMs: number;
  series: Series[];
  lag: Histogram;
  timeline: Timeline;
  cascades: WindowSpan[];
  counters: RunFacts["counters"];
  thresholds: readonly Threshold[];
}

/** Builds the summary from its parts, evaluating the thresholds on them. */
function assemble(p: Parts): SummaryV1 {
  const has = Number.isFinite(p.firstMs);
  const duration_s = has ? (p.lastMs - p.firstMs) / 1000 : 0;
  const all = new Histogram();
  const corrected = new Histogram();
  let failed = 0;
  for (const s of p.series) {
    all.merge(s.hist);
    if (s.corrected !== null) corrected.merge(s.corrected);
    if (isFailed(s.status)) failed += s.hist.count;
  }
  const facts: Facts = {
    series: p.series,
    lag: p.lag,
    counters: p.counters,
    duration_s,
  };
  const results = evaluate(p.thresholds, facts);
  return {
    schema: SUMMARY_SCHEMA,
    command: p.command,
    shards: p.shards,
    seed: p.seed,
    start: has ? new Date(p.firstMs).toISOString() : null,
    end: has ? new Date(p.lastMs).toISOString() : null,
    duration_s,
    passed: results.every((r) => r.ok),
    thresholds: results,
    totals: { requests: all.count, failed, ...p.counters },
    latency_ms: percentiles(all),
    corrected_latency_ms: corrected.count === 0 ? null : percentiles(corrected),
    schedule_lag_ms: p.lag.count === 0 ? null : percentiles(p.lag),
    schedule_lag: p.lag.toJSON(),
    endpoints: endpointRows(p.series, duration_s),
    cascades: p.cascades,
    series: p.series.map((s) => ({
      workflow: s.workflow,
      endpoint: s.endpoint,
      method: s.method,
      status: s.status,
      latency: s.hist.toJSON(),
      corrected: s.corrected === null ? null : s.corrected.toJSON(),
    })),
    timeline: p.timeline.toJSON(),
  };
}

/** The summary of one run, from what its recorder saw and what the run counted. */
export function buildSummary(rec: SummaryRecorder, run: RunFacts): SummaryV1 {
  return assemble({
    command: run.command,
    seed: run.seed,
    shards: 1,
    firstMs: rec.firstMs,
    lastMs: rec.lastMs,
    series: rec.series(),
    lag: rec.lag,
    timeline: rec.timeline,
    cascades: rec.cascadeWindows(),
    counters: run.counters,
    thresholds: run.thresholds,
  });
}

/**
 * Merges the summaries of N shards into one: counts add, histograms (latency, schedule lag) and
 * timelines merge exactly, and the thresholds (the union of theirs) are evaluated again on the whole.
 */
export function mergeSummaries(list: readonly SummaryV1[]): SummaryV1 {
  const series = new Map<string, Series>();
  const timeline = new Timeline();
  const lag = new Histogram();
  const windows = new Map<string, WindowSpan>();
  const thresholds = new Map<string, Threshold>();
  const counters = { ...list[0]!.totals } as Record<string, number>;
  for (const k of Object.keys(counters)) counters[k] = 0;
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const s of list) {
    for (const j of s.series) addSeries(series, j);
    timeline.merge(s.timeline);
    lag.merge(Histogram.fromJSON(s.schedule_lag));
    for (const w of s.cascades) windows.set(w.cascade_id, w);
    for (const t of s.thresholds) {
      const parsed = parseThreshold(t.metric, t.expression);
      if (typeof parsed !== "string") thresholds.set(`${t.metric}\u0000${t.expression}`, parsed);
    }
    for (const [k, v] of Object.entries(s.totals)) counters[k] = (counters[k] ?? 0) + v;
    if (s.start !== null) firstMs = Math.min(firstMs, Date.parse(s.start));
    if (s.end !== null) lastMs = Math.max(lastMs, Date.parse(s.end));
  }
  const { requests: _r, failed: _f, ...rest } = counters;
  return assemble({
    command: list[0]!.command,
    seed: list[0]!.seed,
    shards: list.reduce((n, s) => n + s.shards, 0),
    firstMs,
    lastMs,
    series: [...series.values()].sort((a, b) => compareTags(a, b)),
    lag,
    timeline,
    cascades: [...windows.values()].sort((a, b) => cmp(a.start, b.start)),
    counters: rest as RunFacts["counters"],
    thresholds: [...thresholds.values()],
  });
}

function addSeries(into: Map<string, Series>, j: SeriesJson): void {
  const key = JSON.stringify([j.workflow, j.endpoint, j.method, j.status]);
  const s = into.get(key);
  const hist = Histogram.fromJSON(j.latency);
  const corrected = j.corrected === null ? null : Histogram.fromJSON(j.corrected);
  if (s === undefined) {
    into.set(key, {
      workflow: j.workflow,
      endpoint: j.endpoint,
      method: j.method,
      status: j.status,
      hist,
      corrected,
    });
    return;
  }
  s.hist.merge(hist);
  if (corrected !== null) s.corrected = (s.corrected ?? new Histogram()).merge(corrected);
}
