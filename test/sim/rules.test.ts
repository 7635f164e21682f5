import { describe, expect, it } from "vitest";
import { generationOptions, type TraceEvent } from "../../src/sim/index.js";
import { defaultMethod, defaultParams, defaultResponseMs } from "../../src/sim/rules.js";
import type { Workflow } from "../../src/workflow/index.js";
import { binomialBound, generate } from "./helpers.js";

describe("method rules", () => {
  it.each([
    ["/api/login", "POST"],
    ["/api/cart/add", "POST"],
    ["/api/cart/remove/{id}", "POST"],
    ["/api/payment", "POST"],
    ["/api/checkout", "POST"],
    ["/api/profile/update", "PUT"],
    ["/api/settings", "PUT"],
    ["/api/products/{id}", "GET"],
    ["/api/logout", "GET"],
  ])("%s is %s", (template, method) => {
    expect(defaultMethod(template)).toBe(method);
  });

  it("a workflow's method override wins", async () => {
    const wf: Workflow = {
      name: "override",
      entry_points: { "/api/login": 1 },
      transitions: { "/api/login": { "/api/logout": 1 } },
      exit_points: ["/api/logout"],
      endpoints: { "/api/login": { method: "PUT" }, "/api/logout": { method: "DELETE" } },
    };
    const { events } = await generate({ workflow: wf, users: 20 });
    expect(new Set(events.filter((e) => e.endpoint === "/api/login").map((e) => e.method))).toEqual(
      new Set(["PUT"]),
    );
    expect(new Set(events.filter((e) => e.endpoint === "/api/logout").map((e) => e.method))).toEqual(
      new Set(["DELETE"]),
    );
  });
});

describe("defaults by kind", () => {
  it("payments are slow and logout is fast", () => {
    expect(defaultResponseMs("/api/payment")).toBeGreaterThan(defaultResponseMs("/api/products"));
    expect(defaultResponseMs("/api/logout")).toBeLessThan(defaultResponseMs("/api/products"));
  });

  it("search gets q and sort, a browse listing category and page", () => {
    expect(Object.keys(defaultParams("/api/search"))).toEqual(["q", "sort"]);
    expect(Object.keys(defaultParams("/api/products"))).toEqual(["category", "page"]);
    expect(defaultParams("/api/products/{id}")).toEqual({});
  });
});

describe("status codes and latencies", () => {
  let events: TraceEvent[] = [];
  it("95% 200 and 5% 400/500 within a binomial bound", async () => {
    events = (await generate({ users: 600 })).events;
    // The preset's payment endpoint overrides its error statuses; every other endpoint keeps the rule.
    const n = events.filter((e) => e.endpoint !== "/api/payment").length;
    const errors = events.filter((e) => e.status_code !== 200 && e.endpoint !== "/api/payment");
    expect(new Set(errors.map((e) => e.status_code))).toEqual(new Set([400, 500]));
    expect(Math.abs(errors.length - 0.05 * n)).toBeLessThan(binomialBound(n, 0.05));
  });

  it("response times vary around the endpoint's average and are never negative", () => {
    const pay = events.filter((e) => e.endpoint === "/api/payment").map((e) => e.response_time_ms);
    expect(pay.length).toBeGreaterThan(50);
    expect(Math.min(...events.map((e) => e.response_time_ms))).toBeGreaterThan(0);
    const mean = pay.reduce((a, b) => a + b, 0) / pay.length;
    expect(new Set(pay).size).toBeGreaterThan(pay.length / 2);
    const sd = 0.25 * 800;
    expect(Math.abs(mean - 800)).toBeLessThan((5 * sd) / Math.sqrt(pay.length));
  });

  it("fills path parameters and request parameters", () => {
    const details = events.filter((e) => e.endpoint === "/api/products/{id}");
    expect(details.length).toBeGreaterThan(10);
    for (const e of details) expect(e.path).toMatch(/^\/api\/products\/\d+$/);
    const search = events.find((e) => e.endpoint === "/api/search")!;
    expect(Object.keys(search.params).sort()).toEqual(["q", "sort"]);
  });

  it("waits a think time of 1-5 s, sometimes 10-30 s, between calls", () => {
    const last = new Map<string, TraceEvent>();
    let long = 0;
    let gaps = 0;
    for (const e of events) {
      const prev = last.get(e.session_id);
      last.set(e.session_id, e);
      if (!prev) continue;
      const think = Date.parse(e.timestamp) - Date.parse(prev.timestamp) - prev.response_time_ms;
      const inShort = think >= 999 && think <= 5001;
      const inLong = think >= 9999 && think <= 30001;
      expect(inShort || inLong).toBe(true);
      gaps++;
      if (inLong) long++;
    }
    expect(Math.abs(long - 0.1 * gaps)).toBeLessThan(binomialBound(gaps, 0.1));
  });
});

describe("cascades", () => {
  const cascade = { ...generationOptions().cascade, rate: 0.3 };

  it("touch only the second half of a chosen fraction of sessions", async () => {
    const { events, labels } = await generate({ users: 600, generation: { cascade } });
    const sessions = new Map<string, TraceEvent[]>();
    for (const e of events) sessions.set(e.session_id, [...(sessions.get(e.session_id) ?? []), e]);
    let cascaded = 0;
    for (const calls of sessions.values()) {
      const touched = calls.filter((e) => e.cascade_id !== null);
      if (touched.length === 0) continue;
      cascaded++;
      const walk = calls.filter((e) => !e.is_retry);
      const from = walk.length >> 1;
      expect(walk.map((e) => e.cascade_id !== null)).toEqual(walk.map((_, i) => i >= from));
      expect(new Set(touched.map((e) => e.cascade_id)).size).toBe(1);
    }
    expect(Math.abs(cascaded - 0.3 * sessions.size)).toBeLessThan(binomialBound(sessions.size, 0.3));
    expect(labels.length).toBe(cascaded);
  });

  it("slow, time out, fail with 503 and retry in the stated proportions", async () => {
    const all = (await generate({ users: 800, generation: { cascade: { ...cascade, rate: 1 } } })).events;
    const touched = all.filter((e) => e.cascade_id !== null && !e.is_retry);
    const n = touched.length;
    const timeouts = touched.filter((e) => e.status_code === 504);
    expect(timeouts.every((e) => e.response_time_ms === 30_000)).toBe(true);
    expect(Math.abs(timeouts.length - 0.2 * n)).toBeLessThan(binomialBound(n, 0.2));
    const fails = touched.filter((e) => e.status_code === 503).length;
    expect(Math.abs(fails - 0.15 * n)).toBeLessThan(binomialBound(n, 0.15));
    const retries = all.filter((e) => e.is_retry);
    expect(Math.abs(retries.length - 0.3 * n)).toBeLessThan(binomialBound(n, 0.3));
    const byId = new Map(all.map((e) => [`${e.session_id}#${e.call_index}`, e]));
    for (const r of retries) {
      const orig = byId.get(`${r.session_id}#${r.call_index - 1}`)!;
      expect([orig.endpoint, orig.path, orig.params, orig.is_retry]).toEqual([
        r.endpoint,
        r.path,
        r.params,
        false,
      ]);
      expect(r.cascade_id).toBe(orig.cascade_id);
    }
    // Slowed calls: latency at least 3x the endpoint mean shows up far more often than without a cascade.
    const logins = touched.filter((e) => e.endpoint === "/api/login" && e.status_code !== 504);
    const slow = logins.filter((e) => e.response_time_ms > 3 * 180 * 0.5).length;
    expect(slow / logins.length).toBeGreaterThan(0.45);
  });
});
