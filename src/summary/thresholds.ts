/**
 * Thresholds in k6's syntax: a metric (with an optional tag filter) and conditions on an aggregate of
 * it, e.g. `http_req_duration{endpoint:/api/cart}: ["p(95)<500"]`. Parsing is pure and names what
 * was wrong; evaluation reads the run's facts (see `Facts`).
 */
import { Histogram } from "./histogram.js";
import { isFailed, type Series, statusClass } from "./recorder.js";

type Kind = "trend" | "rate" | "counter";

/** The metrics a threshold may name: what each is, and whether its calls can be filtered by tag. */
export const METRICS: Readonly<Record<string, { kind: Kind; tagged: boolean; help: string }>> = {
  http_req_duration: { kind: "trend", tagged: true, help: "latency of each call (ms)" },
  http_req_duration_corrected: {
    kind: "trend",
    tagged: true,
    help: "open model, HTTP mode: latency from the intended send time (ms)",
  },
  http_req_failed: { kind: "rate", tagged: true, help: "share of calls with no response or a 4xx/5xx" },
  http_reqs: { kind: "counter", tagged: true, help: "calls made" },
  events_emitted: { kind: "counter", tagged: false, help: "events handed to the sinks" },
  events_undelivered: { kind: "counter", tagged: false, help: "events a sink could not deliver" },
  arrivals_dropped: { kind: "counter", tagged: false, help: "open-model arrivals the target could not take" },
  arrivals_late: { kind: "counter", tagged: false, help: "arrivals started over 1 s behind their schedule" },
  schedule_lag: {
    kind: "trend",
    tagged: false,
    help: "wall time each batch ran behind its schedule (ms; 0 at max speed)",
  },
};

/** Tags a filter may name. */
export const TAGS = ["workflow", "endpoint", "method", "status", "status_class"] as const;
type Tag = (typeof TAGS)[number];

const AGGREGATES: Record<Kind, readonly string[]> = {
  trend: ["avg", "min", "max", "med", "count", "p(N)"],
  rate: ["rate"],
  counter: ["count", "rate"],
};

const OPS = ["<=", ">=", "==", "!=", "<", ">"] as const;
type Op = (typeof OPS)[number];

/** One parsed threshold. */
export interface Threshold {
  /** As written: the metric with its filter, and the condition. */
  metric: string;
  expression: string;
  name: string;
  filter: Partial<Record<Tag, string>>;
  /** `avg`, `min`, `max`, `med`, `count`, `rate`, or `p` (with `p`). */
  aggregate: string;
  p?: number;
  op: Op;
  value: number;
  /** Checked during the run too, after `delayMs`; once crossed, the run stops. */
  abortOnFail?: boolean;
  delayMs?: number;
}

const METRIC_RE = /^([a-z_]+)(?:\{(.*)\})?$/;
const EXPR_RE = /^(avg|min|max|med|count|rate|p\(\s*([0-9.]+)\s*\))\s*(<=|>=|==|!=|<|>)\s*(\S+)$/;

/** Parses a metric with its tag filter; returns why not as a string. */
function parseMetric(metric: string): Pick<Threshold, "name" | "filter"> | string {
  const m = METRIC_RE.exec(metric.trim());
  if (m === null) return `"${metric}": expected a metric name, optionally with {tag:value,...}`;
  const name = m[1]!;
  const spec = METRICS[name];
  if (spec === undefined) return `unknown metric "${name}" (known: ${Object.keys(METRICS).join(", ")})`;
  const filter: Partial<Record<Tag, string>> = {};
  if (m[2] === undefined) return { name, filter };
  if (!spec.tagged) return `${name} has no tags to filter on`;
  for (const part of m[2].split(",")) {
    const at = part.indexOf(":");
    const tag = part.slice(0, Math.max(at, 0)).trim();
    if (at < 0 || !(TAGS as readonly string[]).includes(tag)) {
      return `"${part}": expected tag:value with a tag among ${TAGS.join(", ")}`;
    }
    filter[tag as Tag] = part.slice(at + 1).trim();
  }
  return { name, filter };
}

/** Parses one condition for a metric; returns why not as a string. */
export function parseThreshold(metric: string, expression: string): Threshold | string {
  const m = parseMetric(metric);
  if (typeof m === "string") return m;
  const e = EXPR_RE.exec(expression.trim());
  const kind = METRICS[m.name]!.kind;
  const allowed = AGGREGATES[kind];
  const bad = `"${expression}": expected AGGREGATE OP NUMBER, AGGREGATE one of ${allowed.join(", ")} for ${m.name}`;
  if (e === null) return bad;
  const aggregate = e[2] === undefined ? e[1]! : "p";
  if (!allowed.includes(aggregate === "p" ? "p(N)" : aggregate)) return bad;
  const value = Number(e[4]);
  if (!Number.isFinite(value)) return `"${expression}": "${e[4]}" is not a number`;
  const t: Threshold = { metric, expression, ...m, aggregate, op: e[3] as Op, value };
  if (aggregate === "p") {
    const p = Number(e[2]);
    if (!(p >= 0 && p <= 100)) return `"${expression}": a percentile is between 0 and 100`;
    t.p = p;
  }
  return t;
}

/** Parses `--threshold 'METRIC: CONDITION'`; returns why not as a string. */
export function parseThresholdFlag(text: string): Threshold | string {
  const m = /^\s*([a-z_]+(?:\{.*\})?)\s*:\s*(.+)$/.exec(text);
  if (m === null) return `"${text}": expected METRIC: CONDITION, e.g. "http_req_duration: p(95)<500"`;
  return parseThreshold(m[1]!, m[2]!);
}

/** What thresholds are evaluated on: the run's series, counters and schedule lag, and its length in seconds. */
export interface Facts {
  series: readonly Series[];
  /** Schedule lag of each batch (ms). */
  lag: Histogram;
  counters: Readonly<
    Record<"events_emitted" | "events_undelivered" | "arrivals_dropped" | "arrivals_late", number>
  >;
  duration_s: number;
}

/** A threshold's verdict; `value` null when no call matched (it then holds, as in k6). */
export interface ThresholdResult {
  metric: string;
  expression: string;
  value: number | null;
  ok: boolean;
}

function matches(s: Series, f: Threshold["filter"]): boolean {
  return (
    (f.workflow === undefined || f.workflow === s.workflow) &&
    (f.endpoint === undefined || f.endpoint === s.endpoint) &&
    (f.method === undefined || f.method === s.method) &&
    (f.status === undefined || f.status === String(s.status)) &&
    (f.status_class === undefined || f.status_class === statusClass(s.status))
  );
}

/** The aggregate a threshold compares, or null without data. */
export function aggregateOf(t: Threshold, facts: Facts): number | null {
  if (t.name === "schedule_lag") return trendOf(t, facts.lag);
  if (!METRICS[t.name]!.tagged) {
    const n = facts.counters[t.name as keyof Facts["counters"]];
    return t.aggregate === "rate" ? (facts.duration_s > 0 ? n / facts.duration_s : null) : n;
  }
  const series = facts.series.filter((s) => matches(s, t.filter));
  const calls = series.reduce((n, s) => n + s.hist.count, 0);
  if (t.name === "http_reqs") {
    if (t.aggregate === "count") return calls;
    return facts.duration_s > 0 ? calls / facts.duration_s : null;
  }
  if (t.name === "http_req_failed") {
    const failed = series.reduce((n, s) => n + (isFailed(s.status) ? s.hist.count : 0), 0);
    return calls === 0 ? null : failed / calls;
  }
  const h = new Histogram();
  for (const s of series) {
    const src = t.name === "http_req_duration_corrected" ? s.corrected : s.hist;
    if (src !== null) h.merge(src);
  }
  return trendOf(t, h);
}

/** A trend's aggregate: `count`, a percentile, `avg`, `min`, `max` or `med` (null when empty, but count). */
function trendOf(t: Threshold, h: Histogram): number | null {
  if (t.aggregate === "count") return h.count;
  if (t.aggregate === "p") return h.percentile(t.p!);
  return t.aggregate === "avg"
    ? h.mean
    : t.aggregate === "min"
      ? h.min
      : t.aggregate === "max"
        ? h.max
        : h.percentile(50);
}

function holds(v: number, op: Op, x: number): boolean {
  switch (op) {
    case "<":
      return v < x;
    case "<=":
      return v <= x;
    case ">":
      return v > x;
    case ">=":
      return v >= x;
    case "==":
      return v === x;
    default:
      return v !== x;
  }
}

/** Evaluates every threshold on the run's facts. */
export function evaluate(thresholds: readonly Threshold[], facts: Facts): ThresholdResult[] {
  return thresholds.map((t) => {
    const value = aggregateOf(t, facts);
    return {
      metric: t.metric,
      expression: t.expression,
      value,
      ok: value === null || holds(value, t.op, t.value),
    };
  });
}

/** A condition as the config holds it: a string, or the object form with `abort_on_fail`. */
export type ThresholdEntry = string | { threshold: string; abort_on_fail: boolean; delay: number };

/** Parses a config's `thresholds:` map; problems carry the path of the condition. */
export function parseThresholdMap(map: Readonly<Record<string, readonly ThresholdEntry[]>>): {
  thresholds: Threshold[];
  problems: { path: (string | number)[]; message: string }[];
} {
  const thresholds: Threshold[] = [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [metric, list] of Object.entries(map)) {
    list.forEach((entry, i) => {
      const expression = typeof entry === "string" ? entry : entry.threshold;
      const t = parseThreshold(metric, expression);
      if (typeof t === "string")
        problems.push({
          path: typeof entry === "string" ? [metric, i] : [metric, i, "threshold"],
          message: t,
        });
      else if (typeof entry === "string") thresholds.push(t);
      else thresholds.push({ ...t, abortOnFail: entry.abort_on_fail, delayMs: entry.delay });
    });
  }
  return { thresholds, problems };
}
