import { describe, expect, it } from "vitest";
import {
  applyEffects,
  type CascadeCall,
  inScope,
  planWindows,
  severityAt,
  touchedBy,
} from "../../src/cascade/index.js";
import { Effect } from "../../src/event/index.js";
import { aleaNext, aleaState, seedKey } from "../../src/sim/rng.js";
import { binomialBound, cascade } from "./helpers.js";

const MIN = 60_000;
const ORIGIN = Date.parse("2026-01-01T00:00:00Z");
const KEY = seedKey(42);
const range = { originMs: ORIGIN, seedKey: KEY, startMs: ORIGIN, endMs: ORIGIN + 24 * 60 * MIN };

function call(over: Partial<CascadeCall> = {}): CascadeCall {
  return {
    workflow: "checkout",
    user_type: "new",
    endpoint: "/api/payment/{id}",
    at: ORIGIN + 6 * MIN,
    user: 1,
    ...over,
  };
}

describe("scope", () => {
  const [w] = planWindows(
    [
      cascade({
        name: "p",
        every: "1h",
        offset: "5m",
        duration: "5m",
        scope: {
          endpoints: ["/api/payment*", "/api/cart/*/items"],
          user_types: ["new"],
          workflows: ["checkout"],
        },
      }),
    ],
    range,
  );

  it("takes calls whose endpoint matches a glob, user type and workflow all in scope", () => {
    expect(inScope(w!, call())).toBe(true);
    expect(inScope(w!, call({ endpoint: "/api/payment" }))).toBe(true);
    expect(inScope(w!, call({ endpoint: "/api/cart/{id}/items" }))).toBe(true);
    expect(inScope(w!, call({ endpoint: "/api/cart/{id}/items/x" }))).toBe(false);
    expect(inScope(w!, call({ endpoint: "/api/products" }))).toBe(false);
    expect(inScope(w!, call({ endpoint: "x/api/payment" }))).toBe(false);
    expect(inScope(w!, call({ user_type: "returning" }))).toBe(false);
    expect(inScope(w!, call({ workflow: "browse" }))).toBe(false);
  });

  it("treats an absent condition as all, and regex characters in globs literally", () => {
    const [all] = planWindows([cascade({ name: "a", at: ["0s"], duration: "1m" })], range);
    expect(inScope(all!, call({ endpoint: "/anything", user_type: "x", workflow: "y" }))).toBe(true);
    const [dot] = planWindows(
      [cascade({ name: "d", at: ["0s"], duration: "1m", scope: { endpoints: ["/v1.0/*"] } })],
      range,
    );
    expect(inScope(dot!, call({ endpoint: "/v1.0/a" }))).toBe(true);
    expect(inScope(dot!, call({ endpoint: "/v1x0/a" }))).toBe(false);
  });

  it("touches the first open window by start, and none outside every window", () => {
    const ws = planWindows(
      [
        cascade({ name: "late", at: ["10m"], duration: "20m" }),
        cascade({ name: "early", at: ["5m"], duration: "20m", scope: { workflows: ["checkout"] } }),
      ],
      range,
    );
    expect(touchedBy(ws, call({ at: ORIGIN + 12 * MIN }))?.window.cascade_id).toBe("early-0");
    expect(touchedBy(ws, call({ at: ORIGIN + 12 * MIN, workflow: "browse" }))?.window.cascade_id).toBe(
      "late-0",
    );
    expect(touchedBy(ws, call({ at: ORIGIN + 25 * MIN }))?.window.cascade_id).toBe("late-0");
    expect(touchedBy(ws, call({ at: ORIGIN + 30 * MIN }))).toBeUndefined();
    expect(touchedBy(ws, call({ at: ORIGIN + 5 * MIN - 1 }))).toBeUndefined();
  });

  it("touches a share of users close to `share`, the same users each time", () => {
    const p = 0.3;
    const [w1, w2] = planWindows(
      [cascade({ name: "s", every: "1h", duration: "5m", scope: { share: p } })],
      range,
    );
    const n = 20_000;
    let hits = 0;
    let both = 0;
    for (let user = 0; user < n; user++) {
      const a = inScope(w1!, call({ user }));
      expect(inScope(w1!, call({ user, endpoint: "/other" }))).toBe(a);
      if (a) hits++;
      if (a && inScope(w2!, call({ user }))) both++;
    }
    expect(Math.abs(hits / n - p)).toBeLessThan(binomialBound(p, n));
    // Each window draws its own users: the overlap is p², not p.
    expect(Math.abs(both / n - p * p)).toBeLessThan(binomialBound(p * p, n));
  });
});

describe("severity", () => {
  const [w] = planWindows([cascade({ name: "r", at: ["10m"], duration: "10m", ramp: "2m" })], range);
  const at = (m: number) => severityAt(w!, ORIGIN + m * MIN);

  it("rises linearly over the ramp, holds 1, falls over the last ramp, 0 outside", () => {
    expect(at(10)).toBe(0);
    expect(at(11)).toBeCloseTo(0.5, 12);
    expect(at(12)).toBe(1);
    expect(at(15)).toBe(1);
    expect(at(18)).toBe(1);
    expect(at(19)).toBeCloseTo(0.5, 12);
    expect(severityAt(w!, w!.end - 1)).toBeCloseTo(1 / (2 * MIN), 12);
    expect(at(20)).toBe(0);
    expect(at(9.99)).toBe(0);
  });

  it("is 1 over the whole window without a ramp, and touchedBy reports it", () => {
    const [flat] = planWindows([cascade({ name: "f", at: ["10m"], duration: "10m" })], range);
    expect(severityAt(flat!, flat!.start)).toBe(1);
    expect(touchedBy([w!], call({ at: ORIGIN + 11 * MIN }))?.severity).toBeCloseTo(0.5, 12);
  });
});

describe("applyEffects", () => {
  const effects = cascade({ name: "e", every: "1h", duration: "5m" }).effects;
  const base = { status: 200, latencyMs: 100 };

  function rates(severity: number, n: number) {
    const st = aleaState(KEY, 7, 0, 0);
    const u = () => aleaNext(st);
    const r = { slow: 0, timeout: 0, unavailable: 0, retry: 0, bad: 0 };
    // Counted rather than asserted per draw: 40 000 expect() calls would dominate the test's time.
    for (let i = 0; i < n; i++) {
      const o = applyEffects(severity, effects, u, base);
      if (o.status === 504) {
        r.timeout++;
        if (o.latencyMs !== 30_000) r.bad++;
      } else if (o.status === 503) r.unavailable++;
      else if (o.status !== 200) r.bad++;
      if (o.status !== 504 && o.latencyMs !== 100) {
        r.slow++;
        if (o.latencyMs < 300 || o.latencyMs > 1000) r.bad++;
      }
      if (o.retry) {
        r.retry++;
        if (o.backoffMs < 200 || o.backoffMs > 2000) r.bad++;
      } else if (o.backoffMs !== 0) r.bad++;
      // The bits name exactly what changed the call (a timeout's latency replaces a slowdown's).
      const want =
        (o.status === 504 ? Effect.TIMEOUT : 0) |
        (o.status === 503 ? Effect.UNAVAILABLE : 0) |
        (o.status !== 504 && o.latencyMs !== 100 ? Effect.SLOW : 0);
      if (o.applied !== want) r.bad++;
    }
    return r;
  }

  it.each([1, 0.5])("gives the seed guide's rates times severity %s, within binomial bounds", (s) => {
    const n = 40_000;
    const r = rates(s, n);
    expect(r.bad).toBe(0);
    const check = (count: number, p: number) =>
      expect(Math.abs(count / n - p)).toBeLessThan(binomialBound(p, n));
    check(r.timeout, 0.2 * s);
    check(r.unavailable, 0.15 * s);
    check(r.retry, 0.3 * s);
    // Slowness is seen only where no timeout replaced the latency: P(slow and not timeout).
    check(r.slow, 0.6 * s * (1 - 0.2 * s));
  });

  it("leaves the outcome alone at severity 0 and draws five uniforms whatever happens", () => {
    let draws = 0;
    const u = () => {
      draws++;
      return 0.01;
    };
    expect(applyEffects(0, effects, u, base)).toEqual({ ...base, retry: false, backoffMs: 0, applied: 0 });
    expect(draws).toBe(5);
    expect(applyEffects(1, effects, u, base)).toMatchObject({
      status: 504,
      latencyMs: 30_000,
      retry: true,
      applied: Effect.TIMEOUT,
    });
    expect(draws).toBe(10);
  });
});
