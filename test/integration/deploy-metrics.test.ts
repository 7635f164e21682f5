import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { startDaemon, tempDir } from "../helpers/cli.js";
import { requireTool, scrapeUntil } from "../helpers/metrics.js";

// Every query of the Grafana dashboard and of the alerting rules must ask for series a live daemon
// exports, with labels it really has: a renamed metric or label would leave a panel empty or an
// alert silent, and nothing else would say so.

const ROOT = new URL("../..", import.meta.url).pathname;
/** Labels Prometheus adds to every scraped series, and `le` of histogram buckets. */
const TARGET_LABELS = new Set(["job", "instance"]);
/**
 * Metrics the dashboard queries that another issue adds (11: scheduled cascade windows). Until the
 * daemon exports them they are skipped; once it does, they are checked like the rest.
 */
const ADDED_BY_ISSUE_11 = new Set(["tracewalk_cascades_active"]);

interface Query {
  where: string;
  expr: string;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

function dashboardQueries(): Query[] {
  const dash = JSON.parse(readFileSync(join(ROOT, "deploy/grafana/dashboards/tracewalk.json"), "utf8"));
  const panels = (dash.panels as Panel[]).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
  );
  const annotations = (dash.annotations.list as { name: string; expr?: string }[])
    .filter((a) => a.expr !== undefined)
    .map((a) => ({ where: `annotation "${a.name}"`, expr: a.expr! }));
  const variables = (dash.templating.list as { name: string; definition?: string }[])
    .filter((v) => v.definition !== undefined)
    // Grafana's label_values(metric, label) asks for the series of metric that have label.
    .map((v) => ({
      where: `variable $${v.name}`,
      expr: v.definition!.replace(/^label_values\((\w+),\s*(\w+)\)$/, "count by ($2) ($1)"),
    }));
  return [...panels, ...annotations, ...variables];
}

function ruleQueries(): Query[] {
  const rules = parse(readFileSync(join(ROOT, "deploy/prometheus/tracewalk.rules.yml"), "utf8"));
  return (rules.groups as { rules: { alert: string; expr: string }[] }[]).flatMap((g) =>
    g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  );
}

/** Grafana's variables replaced by values Prometheus accepts, so the text is plain PromQL. */
function plain(expr: string): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$instance", ".*");
}

/** Series name -> label names, from a /metrics text. */
function exported(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m) continue;
    const labels = out.get(m[1]!) ?? new Set<string>();
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="/g)) labels.add(pair[1]!);
    out.set(m[1]!, labels);
  }
  return out;
}

/**
 * The series of tracewalk an expression reads (its own and Node's process metrics), with the label
 * names its selectors match on.
 */
function selectors(expr: string): { name: string; labels: string[] }[] {
  return [...expr.matchAll(/\b((?:tracewalk|process|nodejs)_\w+)(?:\{([^}]*)\})?/g)].map((m) => ({
    name: m[1]!,
    labels: [...(m[2] ?? "").matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

/** Label names of `by (…)`, `without (…)`, `on (…)` and `ignoring (…)` clauses. */
function groupings(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** What is wrong with a query against the exported series: unknown series, or labels they lack. */
function problemsOf(q: Query): string[] {
  const problems: string[] = [];
  const used = selectors(q.expr).filter((s) => series.has(s.name) || !ADDED_BY_ISSUE_11.has(s.name));
  for (const s of used) {
    const labels = series.get(s.name);
    if (!labels) problems.push(`${q.where}: ${s.name} is not exported`);
    for (const l of s.labels) {
      if (labels && !TARGET_LABELS.has(l) && !labels.has(l))
        problems.push(`${q.where}: ${s.name} has no label ${l}`);
    }
  }
  // Grouping labels must be on every tracewalk series of the expression (or added by the scrape).
  for (const l of groupings(q.expr).filter((x) => !TARGET_LABELS.has(x))) {
    for (const s of used) {
      if (series.get(s.name)?.has(l) === false) problems.push(`${q.where}: ${s.name} has no label ${l}`);
    }
  }
  return problems;
}

const children: ChildProcess[] = [];
const tmp = tempDir("tw-deploy-metrics-");
let series: Map<string, Set<string>>;
const queries = [...dashboardQueries(), ...ruleQueries()];

beforeAll(async () => {
  const out = join(tmp.dir, "events.jsonl");
  const args = ["--metrics-addr", "127.0.0.1:0", "--speed", "600", "--out", out];
  const daemon = await startDaemon([...args, "--set", "generation.cascade_rate=0.5"], children);
  // Histogram series appear with their first observation: wait for latency and lag buckets.
  const text = await scrapeUntil(
    daemon.base,
    "events, call latency and schedule lag in /metrics",
    (t) =>
      /^tracewalk_events_emitted_total\{[^}]*\} [1-9]/m.test(t) &&
      /^tracewalk_call_latency_seconds_bucket\{/m.test(t) &&
      /^tracewalk_schedule_lag_seconds_bucket\{/m.test(t),
  );
  series = exported(text);
});

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  tmp.remove();
});

describe("the dashboard's and the alerts' queries", () => {
  it("are many, and all valid PromQL (promtool check rules on them as recording rules)", () => {
    requireTool("promtool", "install it with `apt-get install -y prometheus` (Debian) — .ci/run does");
    expect(dashboardQueries().length).toBeGreaterThanOrEqual(15);
    const rules = queries.map((q, i) => ({ record: `tracewalk_check:q${i}`, expr: plain(q.expr) }));
    const file = join(tmp.dir, "queries.rules.yml");
    writeFileSync(file, stringify({ groups: [{ name: "queries", rules }] }));
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.each(queries.map((q) => [q.where, q] as const))("%s reads series the daemon exports", (_, q) => {
    expect(problemsOf(q)).toEqual([]);
  });

  it("would catch a metric or a label the daemon does not export", () => {
    const q = (expr: string) => problemsOf({ where: "q", expr });
    expect(q("sum(rate(tracewalk_nope_total[1m]))")).toEqual(["q: tracewalk_nope_total is not exported"]);
    expect(q("sum by (le, endpoint) (rate(tracewalk_call_latency_seconds_bucket[1m]))")).toEqual([
      "q: tracewalk_call_latency_seconds_bucket has no label endpoint",
    ]);
    expect(q('tracewalk_sink_ready{sinks="kafka"}')).toEqual(["q: tracewalk_sink_ready has no label sinks"]);
    expect(q("tracewalk_process_resident_memory_bytes")).toEqual([
      "q: tracewalk_process_resident_memory_bytes is not exported",
    ]);
  });

  it("cover every tracewalk family a dashboard of it should show", () => {
    const read = new Set(
      queries.flatMap((q) => selectors(q.expr).map((s) => s.name.replace(/_bucket$/, ""))),
    );
    for (const family of [
      "tracewalk_events_emitted_total",
      "tracewalk_active_users",
      "tracewalk_active_sessions",
      "tracewalk_call_latency_seconds",
      "tracewalk_schedule_lag_seconds",
      "tracewalk_sink_errors_total",
      "tracewalk_sink_ready",
      "tracewalk_arrivals_late_total",
      "tracewalk_events_undelivered_total",
      "tracewalk_cascades_injected_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(read.has(family), family).toBe(true);
    }
  });
});
