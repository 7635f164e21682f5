import { Histogram } from "./histogram.js";
import { REPORT_SCRIPT, REPORT_STYLE } from "./report-assets.js";
import type { SummaryV1 } from "./summary.js";

/** What the report's script draws: plain numbers, computed here once. */
export interface ReportData {
  title: string;
  passed: boolean;
  /** Bucket starts (epoch ms) and width. */
  t: number[];
  bucketMs: number;
  /** Per bucket: calls/s, failed/s, latency percentiles (ms, null in an empty bucket). */
  rps: number[];
  eps: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  /** Per endpoint: calls/s per bucket. */
  endpoints: { name: string; rps: number[] }[];
  windows: { name: string; start: number; end: number }[];
  /** Latency thresholds on every call (`http_req_duration: p(N)<X`), drawn as lines. */
  marks: { label: string; value: number; ok: boolean }[];
}

/** The numbers the charts need, from a summary. */
export function reportData(s: SummaryV1): ReportData {
  const b = s.timeline.buckets;
  const w = s.timeline.bucket_ms / 1000;
  const hist = b.map((x) => Histogram.fromJSON(x.latency));
  const names = [...new Set(b.flatMap((x) => Object.keys(x.endpoints)))].sort();
  const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    title: `tracewalk ${s.command}: ${s.totals.requests} calls, ${s.start ?? "-"} to ${s.end ?? "-"}`,
    passed: s.passed,
    t: b.map((x) => x.t),
    bucketMs: s.timeline.bucket_ms,
    rps: b.map((x) => x.requests / w),
    eps: b.map((x) => x.failed / w),
    p50: hist.map((h) => r3(h.percentile(50))),
    p95: hist.map((h) => r3(h.percentile(95))),
    p99: hist.map((h) => r3(h.percentile(99))),
    endpoints: names.map((name) => ({ name, rps: b.map((x) => (x.endpoints[name]?.[0] ?? 0) / w) })),
    windows: s.cascades.map((c) => ({ name: c.name, start: Date.parse(c.start), end: Date.parse(c.end) })),
    marks: s.thresholds
      .filter((t) => t.metric === "http_req_duration" && /^p\(/.test(t.expression))
      .map((t) => ({
        label: t.expression,
        value: Number(/[<>=!]+\s*(\S+)$/.exec(t.expression)![1]),
        ok: t.ok,
      })),
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const fmt = (v: number | null, digits = 1) => (v === null ? "-" : v.toFixed(digits));

function thresholdList(s: SummaryV1): string {
  if (s.thresholds.length === 0) return "<p>No thresholds.</p>";
  const items = s.thresholds.map((t) => {
    const v = t.value === null ? "no data" : String(Math.round(t.value * 1000) / 1000);
    return `<li class="${t.ok ? "ok" : "fail"}">${t.ok ? "✓" : "✗"} <code>${escapeHtml(t.metric)}: ${escapeHtml(t.expression)}</code> (${escapeHtml(v)})</li>`;
  });
  return `<ul class="thresholds">${items.join("")}</ul>`;
}

function endpointTable(s: SummaryV1): string {
  const rows = s.endpoints.map(
    (e) =>
      `<tr><td><code>${escapeHtml(e.endpoint)}</code></td><td>${e.requests}</td><td>${fmt(e.rate, 2)}</td>` +
      `<td>${e.error_rate === null ? "-" : `${(e.error_rate * 100).toFixed(2)}%`}</td>` +
      `<td>${fmt(e.latency_ms.p50)}</td><td>${fmt(e.latency_ms.p90)}</td><td>${fmt(e.latency_ms.p95)}</td>` +
      `<td>${fmt(e.latency_ms.p99)}</td><td>${fmt(e.latency_ms.max)}</td></tr>`,
  );
  const head =
    "<tr><th>endpoint</th><th>requests</th><th>rate/s</th><th>errors</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max ms</th></tr>";
  return `<table id="endpoints">${head}${rows.join("")}</table>`;
}

function totals(s: SummaryV1): string {
  const t = s.totals;
  const c = s.corrected_latency_ms;
  const corrected =
    c === null
      ? ""
      : `<p>From the intended send time (coordinated omission corrected): p50 ${fmt(c.p50)} · p95 ${fmt(c.p95)} · p99 ${fmt(c.p99)} · max ${fmt(c.max)} ms</p>`;
  const l = s.schedule_lag_ms;
  const lag =
    l === null
      ? ""
      : `<p>Schedule lag (wall time behind the schedule, per batch): p50 ${fmt(l.p50)} · p95 ${fmt(l.p95)} · p99 ${fmt(l.p99)} · max ${fmt(l.max)} ms</p>`;
  return (
    `<p>${t.requests} calls over ${s.duration_s.toFixed(1)} s of event time · ${t.failed} failed · ` +
    `latency p50 ${fmt(s.latency_ms.p50)} · p95 ${fmt(s.latency_ms.p95)} · p99 ${fmt(s.latency_ms.p99)} ms · ` +
    `${t.events_undelivered} undelivered · ${t.arrivals_dropped} arrivals dropped · ${t.arrivals_late} late</p>${corrected}${lag}`
  );
}

/**
 * The HTML report: one self-contained file (no network fetch: the data, the style and the chart code,
 * which draws inline SVG, are all in it), readable offline and attachable to a CI job.
 */
export function renderReport(s: SummaryV1, refreshS?: number): string {
  const data = JSON.stringify(reportData(s)).replace(/</g, "\\u003c");
  const verdict = s.thresholds.length === 0 ? "" : s.passed ? "thresholds held" : "thresholds crossed";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refreshS === undefined ? "" : `<meta http-equiv="refresh" content="${refreshS}">`}
<title>tracewalk report</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header><h1>tracewalk ${escapeHtml(s.command)} report</h1>
<span class="badge ${s.passed ? "ok" : "fail"}">${verdict}</span></header>
<p class="meta">seed ${s.seed} · ${escapeHtml(s.start ?? "-")} to ${escapeHtml(s.end ?? "-")} · ${s.shards} shard${s.shards === 1 ? "" : "s"}${s.cascades.length > 0 ? ` · ${s.cascades.length} cascade window${s.cascades.length === 1 ? "" : "s"} (shaded)` : ""}</p>
${totals(s)}
${thresholdList(s)}
<section><h2>Requests per second</h2><div class="chart" id="chart-rps"></div></section>
<section><h2>Latency (ms): p50, p95, p99</h2><div class="chart" id="chart-latency"></div></section>
<section><h2>Errors per second</h2><div class="chart" id="chart-errors"></div></section>
<section><h2>Requests per second, per endpoint</h2><div class="chart" id="chart-endpoints"></div></section>
<section><h2>Endpoints</h2>${endpointTable(s)}</section>
<pre id="errors" hidden></pre>
<script type="application/json" id="report-data">${data}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
