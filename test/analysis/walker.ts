// A minimal walker of the generator's rules, independent of src/sim, for drawing test samples.
import seedrandom from "seedrandom";
import type { PathEvent } from "../../src/analysis/index.js";
import { END, type Workflow } from "../../src/workflow/types.js";

export interface SampleOptions {
  sessions: number;
  seed: string;
  maxLength?: number;
  /** Chance that a call is followed by a retry event (which must not change the path). */
  retryRate?: number;
  sessionsPerUser?: number;
}

function pick(row: Record<string, number>, u: number): string {
  const entries = Object.entries(row).filter(([, p]) => p > 0);
  const total = entries.reduce((s, [, p]) => s + p, 0);
  let acc = 0;
  for (const [k, p] of entries) {
    acc += p / total;
    if (u < acc) return k;
  }
  return entries[entries.length - 1]![0];
}

/** Draws one session's endpoints: entry, then rows until `$end`, an exit point or maxLength calls. */
export function walk(w: Workflow, rng: () => number, maxLength: number): string[] {
  const path: string[] = [];
  let at = pick(w.entry_points, rng());
  for (;;) {
    path.push(at);
    if (w.exit_points.includes(at) || path.length >= maxLength) return path;
    const next = pick(w.transitions[at] ?? {}, rng());
    if (next === END) return path;
    at = next;
  }
}

/** Events of `sessions` sessions, session after session, in call_index order. */
export function sampleEvents(w: Workflow, o: SampleOptions): PathEvent[] {
  const rng = seedrandom(o.seed);
  const perUser = o.sessionsPerUser ?? 3;
  const events: PathEvent[] = [];
  let userType = "";
  for (let s = 0; s < o.sessions; s++) {
    const user = Math.floor(s / perUser);
    if (s % perUser === 0) userType = pick(w.user_type_distribution ?? { default: 1 }, rng());
    const base = { workflow: w.name, user_id: `user-${user}`, user_type: userType, session_id: `s-${s}` };
    let callIndex = 0;
    for (const endpoint of walk(w, rng, o.maxLength ?? 50)) {
      events.push({ ...base, call_index: callIndex++, endpoint, is_retry: false });
      if (rng() < (o.retryRate ?? 0))
        events.push({ ...base, call_index: callIndex++, endpoint, is_retry: true });
    }
  }
  return events;
}

/** The simple preset, written out so these tests do not depend on the presets' contents. */
export function simpleWorkflow(): Workflow {
  return {
    name: "simple",
    entry_points: { "/home": 1 },
    transitions: {
      "/home": { "/products": 0.6, "/about": 0.2, $end: 0.2 },
      "/products": { "/products": 0.3, "/checkout": 0.4, "/home": 0.2, $end: 0.1 },
      "/about": { "/home": 0.5, $end: 0.5 },
    },
    exit_points: ["/checkout"],
    user_type_distribution: { new: 0.5, returning: 0.4, power: 0.1 },
  };
}
