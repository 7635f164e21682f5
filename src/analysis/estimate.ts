import { type Chain, type CountRows, START } from "./model.js";

/** One transition: what the workflow says, what the stream shows, and how far apart they are. */
export interface TransitionStat {
  source: string;
  target: string;
  /** True probability (0 for a transition outside the workflow). */
  p: number;
  count: number;
  /** Observations out of the source state. */
  n: number;
  /** Learned probability count / n; null when the source was never observed. */
  learned: number | null;
  /** learned − p; null when the source was never observed. */
  error: number | null;
  /** (learned − p) / sqrt(p(1 − p)/n); null when undefined (n = 0, p = 0 or p = 1). */
  z: number | null;
  /** Observed although the workflow gives it probability 0 or does not know the endpoint. */
  outside: boolean;
}

function rowTotal(row: ReadonlyMap<string, number> | undefined): number {
  let n = 0;
  for (const c of row?.values() ?? []) n += c;
  return n;
}

function stat(source: string, target: string, p: number, count: number, n: number): TransitionStat {
  const learned = n > 0 ? count / n : null;
  const error = learned === null ? null : learned - p;
  const z = error === null || p <= 0 || p >= 1 ? null : error / Math.sqrt((p * (1 - p)) / n);
  return { source, target, p, count, n, learned, error, z, outside: count > 0 && p === 0 };
}

/** Orders sources with `(start)` first, then by name; targets by name. */
export function compareTransitions(a: TransitionStat, b: TransitionStat): number {
  if (a.source !== b.source) {
    if (a.source === START) return -1;
    if (b.source === START) return 1;
    return a.source < b.source ? -1 : 1;
  }
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}

/** Every transition of the chain and every observed one, with true and learned probabilities. */
export function transitionStats(chain: Chain, observed: CountRows): TransitionStat[] {
  const out: TransitionStat[] = [];
  const sources = new Set([...chain.keys(), ...observed.keys()]);
  for (const source of sources) {
    const expected = chain.get(source);
    const counts = observed.get(source);
    const n = rowTotal(counts);
    const targets = new Set([...(expected?.keys() ?? []), ...(counts?.keys() ?? [])]);
    for (const target of targets) {
      out.push(stat(source, target, expected?.get(target) ?? 0, counts?.get(target) ?? 0, n));
    }
  }
  return out.sort(compareTransitions);
}
