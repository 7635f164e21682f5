import { describe, expect, it } from "vitest";
import {
  type CascadeWindow,
  hopsOf,
  inScope,
  planWindows,
  propagationProblems,
  type ServiceMap,
  serviceMapOf,
  touchedBy,
  triggeredWindow,
} from "../../src/cascade/index.js";
import { seedKey } from "../../src/sim/rng.js";
import { PRESETS, type Workflow } from "../../src/workflow/index.js";
import { cascade } from "./helpers.js";

const MIN = 60_000;
const ORIGIN = Date.parse("2026-01-01T00:00:00Z");
const KEY = seedKey(42);
const range = { originMs: ORIGIN, seedKey: KEY, startMs: ORIGIN, endMs: ORIGIN + 24 * 60 * MIN };
const P = { to_callers: true, delay: MIN, damping: 0.5 };

/** A workflow whose only interesting part is its service map (the walk does not matter here). */
function mapped(name: string, services: Workflow["services"]): Workflow {
  return { name, entry_points: {}, transitions: {}, exit_points: [], services };
}

/** db ← payment ← checkout ← web: a chain of callers, three hops above payment. */
const chain = serviceMapOf([
  mapped("shop", {
    web: { endpoints: ["/home"], depends_on: ["checkout"] },
    checkout: { endpoints: ["/api/checkout"], depends_on: ["payment"] },
    payment: { endpoints: ["/api/payment/{id}", "/api/payment"], depends_on: ["db"] },
    db: {},
  }),
]);

/** The first window of a cascade on `/api/payment*`, 10m to 15m with a 1m ramp. */
function paymentWindow(extra: Record<string, unknown> = {}): CascadeWindow {
  const c = cascade({
    name: "pay",
    at: ["10m"],
    duration: "5m",
    ramp: "1m",
    scope: { endpoints: ["/api/payment*"], share: 0.5 },
    ...extra,
  });
  return planWindows([c], range)[0]!;
}

describe("serviceMapOf", () => {
  it("merges the maps of several workflows: endpoints and dependencies of one name together", () => {
    const map = serviceMapOf([
      mapped("a", { pay: { endpoints: ["/a/pay"], depends_on: ["db"] }, db: {} }),
      mapped("b", { pay: { endpoints: ["/b/pay", "/a/pay"], depends_on: ["db", "queue"] }, queue: {} }),
      { name: "c", entry_points: {}, transitions: {}, exit_points: [] },
    ]);
    expect([...map.keys()]).toEqual(["pay", "db", "queue"]);
    expect(map.get("pay")).toEqual({ endpoints: ["/a/pay", "/b/pay"], depends_on: ["db", "queue"] });
    expect(map.get("db")).toEqual({ endpoints: [], depends_on: [] });
  });

  it("is empty for workflows without services", () => {
    expect(serviceMapOf([PRESETS.ecommerce!, PRESETS.simple!]).size).toBe(0);
  });
});

describe("hopsOf", () => {
  it("reaches the callers after the delay, each hop damped again, linked to the hop before", () => {
    const w = paymentWindow();
    expect(w).toMatchObject({ origin: null, hop: 0, service: null });
    const hops = hopsOf(w, chain, P);
    expect(hops.map((h) => [h.cascade_id, h.origin, h.hop, h.service])).toEqual([
      ["pay-0.checkout", "pay-0", 1, "checkout"],
      ["pay-0.checkout.web", "pay-0.checkout", 2, "web"],
    ]);
    hops.forEach((h, i) => {
      const k = i + 1;
      expect(h.start).toBe(w.start + k * MIN);
      expect(h.end).toBe(w.end + k * MIN);
      expect(h.ramp).toBe(w.ramp);
      const f = 0.5 ** k;
      expect(h.effects.slow).toEqual({ ...w.effects.slow, probability: w.effects.slow.probability * f });
      expect(h.effects.timeout).toEqual({
        ...w.effects.timeout,
        probability: w.effects.timeout.probability * f,
      });
      expect(h.effects.unavailable.probability).toBeCloseTo(w.effects.unavailable.probability * f, 12);
      expect(h.effects.unavailable.status).toBe(w.effects.unavailable.status);
      expect(h.effects.retry).toEqual({ ...w.effects.retry, probability: w.effects.retry.probability * f });
      expect(h).toMatchObject({ name: "pay", index: w.index, key: w.key, triggered: false });
    });
    expect(hops[0]!.scope).toEqual({ ...w.scope, endpoints: ["/api/checkout"] });
    expect(hops[1]!.scope).toEqual({ ...w.scope, endpoints: ["/home"] });
    // The origin is left as it was.
    expect(w.effects.slow.probability).toBe(0.6);
    expect(w.scope.endpoints).toEqual(["/api/payment*"]);
  });

  it("touches a caller's calls only once the delay has passed, at the hop's severity", () => {
    const w = paymentWindow();
    const windows = [w, ...hopsOf(w, chain, P)].sort((a, b) => a.start - b.start);
    const at = (offset: number) => ({
      workflow: "shop",
      user_type: "new",
      endpoint: "/api/checkout",
      user: 0,
      at: w.start + offset,
    });
    // Find a user the share keeps: the hop draws as its origin does.
    let user = 0;
    while (!inScope(w, { ...at(0), endpoint: "/api/payment", user })) user++;
    expect(touchedBy(windows, { ...at(MIN / 2), user })).toBeUndefined();
    expect(touchedBy(windows, { ...at(MIN), user })).toEqual({ window: windows[1], severity: 0 });
    expect(touchedBy(windows, { ...at(2 * MIN + MIN / 2), user })?.severity).toBe(1);
    expect(touchedBy(windows, { ...at(5 * MIN + MIN / 2), user })?.window.cascade_id).toBe("pay-0.checkout");
    expect(touchedBy(windows, { ...at(6 * MIN), user })).toBeUndefined();
  });

  it("keeps the origin's share draw: the same users are in scope at every hop", () => {
    const w = paymentWindow();
    const [hop] = hopsOf(w, chain, P);
    const call = (user: number, endpoint: string) => ({
      workflow: "shop",
      user_type: "new",
      endpoint,
      at: 0,
      user,
    });
    const kept = (win: CascadeWindow, endpoint: string) =>
      Array.from({ length: 400 }, (_, u) => u).filter((u) => inScope(win, call(u, endpoint)));
    const origin = kept(w, "/api/payment");
    expect(origin.length).toBeGreaterThan(100);
    expect(origin.length).toBeLessThan(300);
    expect(kept(hop!, "/api/checkout")).toEqual(origin);
  });

  it("visits each service once in a cycle, and ends", () => {
    const cyclic = serviceMapOf([
      mapped("loop", {
        a: { endpoints: ["/a"], depends_on: ["b"] },
        b: { endpoints: ["/b"], depends_on: ["c"] },
        c: { endpoints: ["/c"], depends_on: ["a"] },
      }),
    ]);
    const w = paymentWindow({ scope: { endpoints: ["/a"] } });
    const hops = hopsOf(w, cyclic, P);
    expect(hops.map((h) => [h.cascade_id, h.hop])).toEqual([
      ["pay-0.c", 1],
      ["pay-0.c.b", 2],
    ]);
  });

  it("spreads breadth-first: a service reached at hop 1 is not reached again at hop 2", () => {
    const map = PRESETS.microservices!;
    const w = paymentWindow({ scope: { endpoints: ["/payments"] } });
    const hops = hopsOf(w, serviceMapOf([map]), P);
    // payments is called by the gateway and by orders; orders is called by the gateway too.
    expect(hops.map((h) => [h.cascade_id, h.hop, h.start - w.start])).toEqual([
      ["pay-0.gateway", 1, MIN],
      ["pay-0.orders", 1, MIN],
    ]);
  });

  it("climbs two levels of the microservices map from notifications", () => {
    const notify = hopsOf(
      paymentWindow({ scope: { endpoints: ["/notifications"] } }),
      serviceMapOf([PRESETS.microservices!]),
      P,
    );
    expect(notify.map((h) => [h.cascade_id, h.hop])).toEqual([
      ["pay-0.gateway", 1],
      ["pay-0.payments", 1],
      ["pay-0.payments.orders", 2],
    ]);
  });

  it("gives nothing without scope.endpoints, with to_callers false, or when no service matches", () => {
    expect(hopsOf(paymentWindow({ scope: {} }), chain, P)).toEqual([]);
    expect(hopsOf(paymentWindow(), chain, { ...P, to_callers: false })).toEqual([]);
    expect(hopsOf(paymentWindow({ scope: { endpoints: ["/nowhere*"] } }), chain, P)).toEqual([]);
    expect(hopsOf(paymentWindow(), new Map(), P)).toEqual([]);
  });

  it("skips a caller that serves no endpoint of the run: nothing of it could show the hop", () => {
    const map: ServiceMap = serviceMapOf([
      mapped("m", {
        batch: { depends_on: ["payment"] },
        checkout: { endpoints: ["/api/checkout"], depends_on: ["payment"] },
        payment: { endpoints: ["/api/payment"] },
      }),
    ]);
    expect(hopsOf(paymentWindow(), map, P).map((h) => h.service)).toEqual(["checkout"]);
  });

  it("is deterministic and sorted by start, then id; triggered windows hop with their own ids", () => {
    const c = cascade({ name: "pay", at: ["10m"], duration: "5m", scope: { endpoints: ["/api/payment"] } });
    const t = triggeredWindow(c, KEY, 2, ORIGIN + 30 * MIN);
    const a = hopsOf(t, chain, { ...P, delay: 0 });
    expect(a).toEqual(hopsOf(t, chain, { ...P, delay: 0 }));
    expect(a.map((h) => [h.cascade_id, h.start, h.triggered])).toEqual([
      ["pay-t2.checkout", t.start, true],
      ["pay-t2.checkout.web", t.start, true],
    ]);
    const wide = serviceMapOf([
      mapped("w", {
        z: { endpoints: ["/z"], depends_on: ["p"] },
        a: { endpoints: ["/a"], depends_on: ["p"] },
        p: { endpoints: ["/api/payment"] },
      }),
    ]);
    expect(hopsOf(t, wide, P).map((h) => h.cascade_id)).toEqual(["pay-t2.a", "pay-t2.z"]);
  });
});

describe("propagationProblems", () => {
  const withPropagate = (scope: Record<string, unknown>) =>
    cascade({ name: "x", every: "1h", duration: "5m", scope, propagate: {} });

  it("accepts cascades that propagate from a service, and ignores those that do not propagate", () => {
    const plain = cascade({ name: "p", every: "1h", duration: "5m" });
    expect(propagationProblems([plain, withPropagate({ endpoints: ["/api/payment*"] })], chain)).toEqual([]);
    expect(propagationProblems([plain], new Map())).toEqual([]);
  });

  it("names the cascade when no workflow has a service map", () => {
    expect(propagationProblems([withPropagate({ endpoints: ["/api/payment*"] })], new Map())).toEqual([
      { path: "cascades[0].propagate", message: "no workflow has a services map to propagate along" },
    ]);
  });

  it("names a cascade whose endpoints match no service, or that has no endpoints", () => {
    const problems = propagationProblems(
      [
        cascade({ name: "ok", every: "1h", duration: "5m" }),
        withPropagate({ endpoints: ["/api/paymnt*"] }),
        withPropagate({}),
      ],
      chain,
    );
    expect(problems).toEqual([
      {
        path: "cascades[1].propagate",
        message:
          'scope.endpoints ["/api/paymnt*"] match no endpoint of a service (services: web, checkout, payment, db)',
      },
      {
        path: "cascades[2].propagate",
        message: "needs scope.endpoints: propagation starts in the services whose endpoints they match",
      },
    ]);
  });
});
