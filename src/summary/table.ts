import type { Percentiles, SummaryV1 } from "./summary.js";

const ms = (v: number | null) => (v === null ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(2)}%`);
const num = (v: number | null) => (v === null ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2));

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
}

function latencyCells(l: Percentiles): string[] {
  return [ms(l.p50), ms(l.p90), ms(l.p95), ms(l.p99), ms(l.max)];
}

/** The end-of-run table printed on stderr: per endpoint, totals, then each threshold ✓ or ✗. */
export function formatTable(s: SummaryV1): string {
  const head = ["endpoint", "requests", "rate/s", "errors", "p50", "p90", "p95", "p99", "max ms"];
  const rows = s.endpoints.map((e) => [
    e.endpoint,
    String(e.requests),
    num(e.rate),
    pct(e.error_rate),
    ...latencyCells(e.latency_ms),
  ]);
  const t = s.totals;
  const total = [
    "all",
    String(t.requests),
    num(s.duration_s > 0 ? t.requests / s.duration_s : null),
    pct(t.requests === 0 ? null : t.failed / t.requests),
    ...latencyCells(s.latency_ms),
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i]!.length)));
  const lines = [
    `summary: ${t.requests} calls over ${s.duration_s.toFixed(1)} s of event time${s.shards > 1 ? ` (${s.shards} shards)` : ""}`,
    row(head, widths),
    ...rows.map((r) => row(r, widths)),
    row(total, widths),
  ];
  if (s.corrected_latency_ms !== null) {
    const c = s.corrected_latency_ms;
    lines.push(
      `from intended send time (coordinated omission corrected): p50 ${ms(c.p50)}  p95 ${ms(c.p95)}  p99 ${ms(c.p99)}  max ${ms(c.max)} ms`,
    );
  }
  if (s.schedule_lag_ms !== null) {
    const l = s.schedule_lag_ms;
    lines.push(
      `schedule lag (wall time behind the schedule, ${s.schedule_lag.count} batches): p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)} ms`,
    );
  }
  lines.push(
    `events: ${t.events_emitted} emitted, ${t.events_undelivered} undelivered · arrivals: ${t.arrivals_dropped} dropped, ${t.arrivals_late} late · sessions: ${t.sessions_started} started, ${t.sessions_completed} completed, ${t.sessions_cut} cut`,
  );
  if (s.thresholds.length > 0) {
    lines.push(
      `thresholds: ${s.passed ? "all held" : `${s.thresholds.filter((r) => !r.ok).length} crossed`}`,
    );
    for (const r of s.thresholds) {
      const v = r.value === null ? "no data" : `${Math.round(r.value * 1000) / 1000}`;
      lines.push(`  ${r.ok ? "✓" : "✗"} ${r.metric}: ${r.expression}  (${v})`);
    }
  }
  return `${lines.join("\n")}\n`;
}
