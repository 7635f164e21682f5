import { describe, expect, it } from "vitest";
import {
  chiSquareSf,
  type EventSource,
  type PathEvent,
  SessionCounter,
  verifyEvents,
  verifyObservations,
} from "../../src/analysis/index.js";
import type { Workflow } from "../../src/workflow/types.js";
import { sampleEvents, simpleWorkflow } from "./walker.js";

const OPTS = { alpha: 0.001, maxLength: 50 };

function observe(w: Workflow, events: PathEvent[], maxLength = 50) {
  const counter = new SessionCounter({ workflow: w.name, exitPoints: w.exit_points, maxLength });
  events.forEach((e, i) => {
    counter.add(e, `mem:${i + 1}`);
  });
  return counter.finish();
}

function source(events: PathEvent[], reopenable = true): EventSource {
  return {
    name: "memory",
    reopenable,
    async *open() {
      for (let i = 0; i < events.length; i++) yield { event: events[i]!, where: `memory:${i + 1}` };
    },
  };
}

/** The smallest x with chi-square sf(x, df) <= alpha, by bisection. */
function critical(df: number, alpha: number): number {
  let lo = 0;
  let hi = 10 * df + 100;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareSf(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Sessions whose counts equal n·p in every row of the simple workflow. With s sessions the balance
 * equations give 70s/51 visits to /home, 60s/51 to /products and 14s/51 to /about; s = 102 makes every
 * expected count an integer >= 12.
 */
function exactSessions(w: Workflow): PathEvent[] {
  const edges: Record<string, Record<string, number>> = {
    "/home": { "/products": 84, "/about": 28, $end: 28 },
    "/products": { "/products": 36, "/checkout": 48, "/home": 24, $end: 12 },
    "/about": { "/home": 14, $end: 14 },
  };
  const events: PathEvent[] = [];
  for (let s = 0; s < 102; s++) {
    const base = {
      workflow: w.name,
      user_id: `u${s}`,
      user_type: "new",
      session_id: `x${s}`,
      is_retry: false,
    };
    // Flows balance at every endpoint, so a walk that spends edges greedily always finds one left.
    let at = "/home";
    for (let call = 0; ; call++) {
      events.push({ ...base, call_index: call, endpoint: at });
      if (at === "/checkout") break;
      const row = edges[at]!;
      const next = Object.keys(row).find((t) => row[t]! > 0)!;
      row[next]!--;
      if (next === "$end") break;
      at = next;
    }
  }
  return events;
}

describe("verify on samples", () => {
  const w = { ...simpleWorkflow(), user_type_distribution: undefined };

  it("finds a sample with exactly the chain's counts consistent, with chi-square 0", () => {
    const report = verifyObservations(w, observe(w, exactSessions(w), 1000), OPTS);
    expect(report.chiSquare.statistic).toBeCloseTo(0, 9);
    expect(report.chiSquare.df).toBe(2 + 3 + 1);
    expect(report.consistent).toBe(true);
    expect(report.tally).toMatchObject({ sessions: 102, truncated: 0 });
  });

  const n = 20_000;
  const truth = simpleWorkflow();

  it("finds a large sample drawn from the chain consistent", () => {
    const events = sampleEvents(truth, { sessions: n, seed: "verify-true", retryRate: 0.05 });
    const report = verifyObservations(truth, observe(truth, events), OPTS);
    expect(report.tally.retries).toBeGreaterThan(0);
    expect(report.tally.sessions).toBe(n);
    expect(report.reasons).toEqual([]);
    expect(report.consistent).toBe(true);
    // Every learned probability within 5 standard errors of the truth.
    for (const t of report.transitions) if (t.z !== null) expect(Math.abs(t.z)).toBeLessThan(5);
  });

  it("finds a sample from a chain with two probabilities swapped inconsistent", () => {
    const altered: Workflow = {
      ...truth,
      transitions: {
        ...truth.transitions,
        "/products": { "/products": 0.4, "/checkout": 0.3, "/home": 0.2, $end: 0.1 },
      },
    };
    const report = verifyObservations(
      truth,
      observe(truth, sampleEvents(altered, { sessions: n, seed: "verify-alt" })),
      OPTS,
    );
    // Non-centrality of the /products row: n_row · Σ (q − p)² / p, far beyond the critical value.
    const nRow = report.transitions.find((t) => t.source === "/products")!.n;
    const lambda = nRow * (0.1 ** 2 / 0.3 + 0.1 ** 2 / 0.4);
    expect(lambda).toBeGreaterThan(10 * critical(report.chiSquare.df, OPTS.alpha));
    expect(report.consistent).toBe(false);
    expect(report.reasons.join()).toMatch(/transition frequencies deviate/);
    expect(report.outside).toEqual([]);
  });

  it("finds a sample with the wrong user-type mix inconsistent", () => {
    const altered = { ...truth, user_type_distribution: { new: 0.4, returning: 0.5, power: 0.1 } };
    const report = verifyObservations(
      truth,
      observe(truth, sampleEvents(altered, { sessions: n, seed: "ut" })),
      OPTS,
    );
    expect(report.chiSquare.pValue).toBeGreaterThan(OPTS.alpha);
    expect(report.reasons).toHaveLength(1);
    expect(report.reasons[0]).toMatch(/user types deviate/);
  });
});

describe("verify verdicts", () => {
  const w = simpleWorkflow();
  const call = (session: string, i: number, endpoint: string, type = "new"): PathEvent => ({
    workflow: "simple",
    user_id: `u-${session}`,
    user_type: type,
    session_id: session,
    call_index: i,
    endpoint,
    is_retry: false,
  });

  it("lists transitions outside the workflow: unknown endpoints, p = 0, out of an exit point", () => {
    const events = [
      call("a", 0, "/home"),
      call("a", 1, "/admin"),
      call("b", 0, "/products"),
      call("b", 1, "/checkout"),
      call("b", 2, "/home"),
      call("c", 0, "/home"),
      call("c", 1, "/about"),
      call("c", 2, "/products"),
    ];
    const report = verifyObservations(w, observe(w, events), OPTS);
    expect(report.consistent).toBe(false);
    expect(report.outside.map((t) => `${t.source}>${t.target}`)).toEqual([
      "(start)>/products",
      "/about>/products",
      "/admin>$end",
      "/checkout>/home",
      "/home>/admin",
    ]);
    expect(report.reasons[0]).toMatch(
      /5 transition\(s\) outside the workflow: .*\/home → \/admin \(unknown endpoint, 1×\)/,
    );
  });

  it("rejects unknown user types and an input without the workflow's sessions", () => {
    const report = verifyObservations(w, observe(w, [call("a", 0, "/home", "robot")]), OPTS);
    expect(report.reasons.join()).toMatch(/user type\(s\) outside user_type_distribution: robot/);
    const empty = verifyObservations(w, observe(w, [{ ...call("a", 0, "/home"), workflow: "other" }]), OPTS);
    expect(empty.reasons).toEqual(['no sessions of workflow "simple" in the input (it has "other")']);
  });

  it("counts a shuffled stream like an ordered one, reading it twice", async () => {
    const events = sampleEvents(w, { sessions: 300, seed: "shuffle", retryRate: 0.1 });
    const ordered = await verifyEvents(source(events), w, OPTS);
    const shuffled = [...events].reverse();
    const report = await verifyEvents(source(shuffled), w, OPTS);
    expect(report.transitions).toEqual(ordered.transitions);
    expect(report.tally).toEqual(ordered.tally);
    await expect(verifyEvents(source(shuffled, false), w, OPTS)).rejects.toMatchObject({
      code: "TW_INPUT_INVALID",
      message: expect.stringMatching(/^memory:\d+: session "s-\d+" arrives out of call_index order/),
    });
  });
});
