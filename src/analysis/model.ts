import { END, type Workflow } from "../workflow/types.js";

/** The virtual state every session starts from; its row is the entry distribution. */
export const START = "(start)";

/** Per source state, the probability of each target (`$end` included); only targets with p > 0. */
export type Chain = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Per source state, the observed count of each target. */
export type CountRows = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Scales a row of weights to sum to 1, keeping only positive entries. */
export function normalizeRow(row: Readonly<Record<string, number>>): Map<string, number> {
  const positive = Object.entries(row).filter(([, p]) => p > 0);
  const total = positive.reduce((s, [, p]) => s + p, 0);
  return new Map(positive.map(([k, p]) => [k, p / total]));
}

/**
 * The chain the generator walks: the entry row from `(start)`, then each non-exit endpoint's row.
 * Rows are normalized because the sampler draws by weight; an exit point's row is never drawn from,
 * so it is left out and any observed step out of an exit point counts as outside the workflow.
 */
export function expectedChain(w: Workflow): Chain {
  const exits = new Set(w.exit_points);
  const chain = new Map<string, Map<string, number>>([[START, normalizeRow(w.entry_points)]]);
  for (const [source, row] of Object.entries(w.transitions)) {
    if (!exits.has(source)) chain.set(source, normalizeRow(row));
  }
  return chain;
}

/** Every endpoint the workflow names, in entry points, transitions or exit points. */
export function workflowEndpoints(w: Workflow): Set<string> {
  const names = new Set<string>([...Object.keys(w.entry_points), ...w.exit_points]);
  for (const [source, row] of Object.entries(w.transitions)) {
    names.add(source);
    for (const target of Object.keys(row)) if (target !== END) names.add(target);
  }
  return names;
}

/**
 * The chain given that a session goes on: `$end` dropped from every row and the rest scaled to sum to
 * 1. What a live stream can test, where a session's end cannot be told from a pause (rows that only
 * end are dropped).
 */
export function withoutEnds(chain: Chain): Chain {
  const out = new Map<string, Map<string, number>>();
  for (const [source, row] of chain) {
    const kept = [...row].filter(([target]) => target !== END);
    const total = kept.reduce((s, [, p]) => s + p, 0);
    if (total > 0) out.set(source, new Map(kept.map(([t, p]) => [t, p / total])));
  }
  return out;
}
