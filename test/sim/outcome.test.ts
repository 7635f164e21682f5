import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import {
  type CallOutcome,
  type ChosenCall,
  compileWorkflow,
  Engine,
  type GenerationOptions,
  generationOptions,
  newOutcome,
  OfflineArrivals,
  type Outcome,
  Session,
  SimulatedOutcome,
  seedKey,
} from "../../src/sim/index.js";
import { TimestampFormatter } from "../../src/sim/timefmt.js";
import { getPreset } from "../../src/workflow/index.js";

const workflow = compileWorkflow(getPreset("ecommerce")!);
const PLAN = {
  key: seedKey(9),
  users: 400,
  sessionsPerUser: { mean: 3, std: 2 },
  startMs: 0,
  durationMs: 86_400_000,
  shard: { index: 0, count: 1 },
};

function run(opts: GenerationOptions, outcome?: CallOutcome): TraceEvent[] {
  const engine = new Engine([workflow], opts, new OfflineArrivals(PLAN), {}, outcome);
  const events: TraceEvent[] = [];
  engine.run(Number.POSITIVE_INFINITY, events, Number.POSITIVE_INFINITY);
  return events;
}

/** Each session's `pick` of its events, in call order, as sorted [session_id, picks] pairs. */
function bySession<T>(events: readonly TraceEvent[], pick: (e: TraceEvent) => T | null): [string, T[]][] {
  const out = new Map<string, T[]>();
  for (const e of events) {
    const v = pick(e);
    if (v !== null) out.set(e.session_id, [...(out.get(e.session_id) ?? []), v]);
  }
  return [...out].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Each session's walk: the (endpoint, path, params) of its calls that are not retries. */
const walks = (events: readonly TraceEvent[]) =>
  bySession(events, (e) => (e.is_retry ? null : `${e.endpoint} ${e.path} ${JSON.stringify(e.params)}`));

/** The simulated outcome, then every payment call fails with 503 after a fixed 2 s. */
class PaymentDown implements CallOutcome {
  constructor(private readonly base: SimulatedOutcome) {}
  begin(s: Session): void {
    this.base.begin(s);
  }
  complete(call: ChosenCall, out: Outcome): undefined {
    this.base.complete(call, out);
    if (call.endpoint.template === "/api/payment") {
      out.status = 503;
      out.latencyMs = 2000;
    }
    return undefined;
  }
  label(s: Session) {
    return this.base.label(s);
  }
}

describe("the seam between the walk and the outcome", () => {
  const opts = generationOptions({ seed: 9, cascade: { ...generationOptions().cascade, rate: 0.3 } });

  it("gives the default engine's bytes when given the simulated outcome explicitly", () => {
    expect(run(opts, new SimulatedOutcome(opts))).toEqual(run(opts));
  });

  it("lets an outcome change status and latency without changing any session's walk", () => {
    const base = run(opts);
    const down = run(opts, new PaymentDown(new SimulatedOutcome(opts)));
    const payments = down.filter((e) => e.endpoint === "/api/payment");
    expect(payments.length).toBeGreaterThan(50);
    expect(payments.every((e) => e.status_code === 503 && e.response_time_ms === 2000)).toBe(true);
    expect(base.filter((e) => e.endpoint === "/api/payment" && e.status_code !== 503).length).toBeGreaterThan(
      0,
    );
    expect(walks(down)).toEqual(walks(base));
    // Only the outcome's fields (and the timestamps they push) differ, call for call in each session.
    const strip = (e: TraceEvent) => ({ ...e, timestamp: "", status_code: 0, response_time_ms: 0 });
    expect(down.length).toBe(base.length);
    expect(bySession(down, strip)).toEqual(bySession(base, strip));
  });

  it("keeps every session's endpoints when outcomes add retries", () => {
    // Every session cascaded, so every call from the middle on may be retried: the walk stream is
    // not the call stream, so the endpoints stay those of the run without cascades.
    const none = run(generationOptions({ seed: 9 }));
    const all = run(generationOptions({ seed: 9, cascade: { ...opts.cascade, rate: 1 } }));
    expect(all.filter((e) => e.is_retry).length).toBeGreaterThan(100);
    const endpoints = (events: TraceEvent[]) => bySession(events, (e) => (e.is_retry ? null : e.endpoint));
    expect(endpoints(all)).toEqual(endpoints(none));
  });

  it("keeps every session's paths and params too: the per-session cascade draws from its own stream", () => {
    // The cascade never draws from the call stream, so the paths drawn after a touched call stay.
    // (A retry is a call of its own, which the rules complete from the call stream: without retries.)
    const none = run(generationOptions({ seed: 9 }));
    const all = run(
      generationOptions({ seed: 9, cascade: { ...opts.cascade, rate: 1, retryProbability: 0 } }),
    );
    expect(all.filter((e) => e.cascade_id !== null).length).toBeGreaterThan(500);
    expect(walks(all)).toEqual(walks(none));
    // Calls before the cascade's first touch are the same events, byte for byte.
    const untouchedPrefix = (events: TraceEvent[]) =>
      bySession(events, (e) => e).map(([id, list]) => {
        const cut = list.findIndex((e) => e.cascade_id !== null);
        return [id, cut < 0 ? list : list.slice(0, cut)] as const;
      });
    const prefixes = new Map(untouchedPrefix(all));
    for (const [id, list] of bySession(none, (e) => e)) {
      const p = prefixes.get(id)!;
      expect(list.slice(0, p.length), id).toEqual(p);
    }
  });

  it("can complete a call later: a session driven by hand, awaiting each outcome, makes the engine's events", async () => {
    const one = { ...PLAN, users: 1, sessionsPerUser: { mean: 1, std: 0 } };
    const arrivals = new OfflineArrivals(one);
    const arrival = arrivals.take();
    const expected: TraceEvent[] = [];
    new Engine([workflow], opts, new OfflineArrivals(one)).run(Number.POSITIVE_INFINITY, expected, 1000);

    const outcome = new SimulatedOutcome(opts);
    const s = new Session(workflow, arrival, PLAN.key, "s9", opts);
    outcome.begin(s);
    const fmt = new TimestampFormatter();
    const events: TraceEvent[] = [];
    while (!s.done) {
      const call = s.nextCall();
      const dueBefore = s.due;
      const out = newOutcome();
      await new Promise<void>((resolve) => setImmediate(resolve)); // the response is on its way
      outcome.complete(call, out);
      expect(s.due).toBe(dueBefore); // nothing moves until the call is completed
      s.complete(out, fmt, events);
      expect(s.due).toBeGreaterThan(dueBefore);
    }
    expect(events.length).toBeGreaterThan(1);
    expect(events).toEqual(expected);
  });
});
