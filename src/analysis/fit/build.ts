import { END, type EndpointOptions, type HttpMethod, type Workflow } from "../../workflow/types.js";
import { START } from "../model.js";
import type { FitLearner } from "./learner.js";
import type { EndpointStats } from "./stats.js";

/** Rows with fewer observations than this are flagged as too few to trust. */
export const TRUST_COUNT = 30;
/** Probabilities are written with this many decimals. */
const UNITS = 1_000_000;
const Z95 = 1.959964;

export interface FitOptions {
  name: string;
  /** Transitions seen fewer times are dropped (a row's most frequent target always stays). */
  minCount: number;
  /** Pseudo-count added to each observed target of a row (Laplace smoothing over the seen support). */
  smooth: number;
}

/** One learned probability with its count and a 95% Wilson interval (from the raw counts). */
export interface FitEdge {
  target: string;
  count: number;
  p: number;
  low: number;
  high: number;
}

/** One row: `(start)` for the entry points, else an endpoint; `n` is its observations. */
export interface FitRow {
  source: string;
  n: number;
  edges: FitEdge[];
  /** Targets dropped by --min-count, with their counts. */
  pruned: Record<string, number>;
}

export interface FitResult {
  workflow: Workflow;
  rows: FitRow[];
  /** Endpoints observed fewer than TRUST_COUNT (or --min-count) times. */
  rare: { endpoint: string; calls: number }[];
}

/** The 95% Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/**
 * Rounds weights to 6 decimals that sum to exactly 1 (largest remainder); entries that round to 0 are
 * dropped. Input order is kept.
 */
export function roundRow(weights: readonly [string, number][]): [string, number][] {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const exact = weights.map(([k, w]) => [k, (w / total) * UNITS] as const);
  const units = exact.map(([k, u]) => [k, Math.floor(u)] as [string, number]);
  let left = UNITS - units.reduce((s, [, u]) => s + u, 0);
  const order = exact
    .map(([, u], i) => [u - Math.floor(u), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    units[i]![1]++;
    left--;
  }
  return units.filter(([, u]) => u > 0).map(([k, u]) => [k, u / UNITS]);
}

function learnRow(
  source: string,
  counts: ReadonlyMap<string, number>,
  o: FitOptions,
): FitRow & { probs: [string, number][] } {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  const kept = sorted.filter(([, c], i) => i === 0 || c >= o.minCount);
  const pruned = Object.fromEntries(sorted.filter(([, c], i) => i > 0 && c < o.minCount));
  const probs = roundRow(kept.map(([t, c]) => [t, c + o.smooth]));
  const edges = probs.map(([target, p]) => {
    const count = counts.get(target) ?? 0;
    return { target, count, p, ...wilson(count, n) };
  });
  return { source, n, edges, pruned, probs };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function endpointOptions(e: EndpointStats): EndpointOptions {
  const options: EndpointOptions = {
    method: e.method() as HttpMethod,
    error_rate: round(e.errors / e.calls, 4),
    response_time_jitter: round(e.jitter(), 3),
  };
  if (e.errors > 0) {
    options.error_statuses = [...e.errorStatuses]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 5)
      .map(([s]) => s)
      .sort((a, b) => a - b);
  }
  if (e.params.size > 0) {
    options.params = Object.fromEntries(
      [...e.params].sort(([a], [b]) => a.localeCompare(b)).map(([k, p]) => [k, p.spec()]),
    );
  }
  return options;
}

/** Turns what the learner counted into a workflow that validates, and the rows behind it. */
export function buildWorkflow(learner: FitLearner, o: FitOptions): FitResult {
  const all = [...learner.endpoints.values()].filter((e) => e.next.size > 0);
  all.sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  const exits = all.filter((e) => e.next.size === 1 && e.next.has(END));
  const exitNames = new Set(exits.map((e) => e.name));
  const entry = learnRow(START, learner.entries, o);
  const rows: (FitRow & { probs: unknown })[] = [entry];
  const transitions: Record<string, Record<string, number>> = {};
  for (const e of all) {
    if (exitNames.has(e.name)) continue;
    const row = learnRow(e.name, e.next, o);
    rows.push(row);
    transitions[e.name] = Object.fromEntries(row.probs);
  }
  const workflow: Workflow = {
    name: o.name,
    description: `Learned by tracewalk fit from ${learner.tally.sessions} sessions, ${learner.tally.calls} calls`,
    entry_points: Object.fromEntries(entry.probs),
    transitions,
    exit_points: exits.map((e) => e.name),
    avg_response_times: Object.fromEntries(all.map((e) => [e.name, round(e.mean(), 1)])),
    endpoints: Object.fromEntries(all.map((e) => [e.name, endpointOptions(e)])),
  };
  if (learner.userTypes.size > 0) {
    workflow.user_type_distribution = Object.fromEntries(
      roundRow([...learner.userTypes].sort(([a], [b]) => a.localeCompare(b))),
    );
  }
  const threshold = Math.max(TRUST_COUNT, o.minCount);
  const rare = all.filter((e) => e.calls < threshold).map((e) => ({ endpoint: e.name, calls: e.calls }));
  return { workflow, rows: rows.map(({ probs: _, ...r }) => r), rare };
}
