import { describe, expect, it } from "vitest";
import { FitLearner, PathParams, roundRow, Templater, wilson } from "../../src/analysis/fit/index.js";
import { eventCall } from "../../src/analysis/fit/input.js";
import { SessionKeys } from "../../src/analysis/fit/keys.js";
import type { FitCall } from "../../src/analysis/fit/learner.js";
import { EventScanner, isoMs } from "../../src/analysis/fit/scan.js";
import { END } from "../../src/workflow/types.js";

describe("path templating", () => {
  const t = new Templater();

  it.each([
    ["/api/users/42", "/api/users/{id}", { id: "42" }],
    [
      "/api/orders/123e4567-e89b-12d3-a456-426614174000/items/7",
      "/api/orders/{id}/items/{id2}",
      {
        id: "123e4567-e89b-12d3-a456-426614174000",
        id2: "7",
      },
    ],
    ["/blobs/9f86d081884c7d65", "/blobs/{id}", { id: "9f86d081884c7d65" }],
    ["/s/aB3dE5gH7jK9mN1pQ3rS5t", "/s/{id}", { id: "aB3dE5gH7jK9mN1pQ3rS5t" }],
    // Words stay: short hex-only words, hex words without a digit, long words without a digit.
    ["/api/cafe/deadbeef", "/api/cafe/deadbeef", {}],
    ["/api/configuration_settings_page", "/api/configuration_settings_page", {}],
    ["/v2/items", "/v2/items", {}],
    ["/", "/", {}],
  ])("%s -> %s", (path, endpoint, params) => {
    expect(t.template(path)).toEqual({ endpoint, params });
  });

  it("lets explicit templates win over the automatic rules, with their own parameter names", () => {
    const u = new Templater(["/api/users/{user}/orders", "/inventory/{sku}"]);
    expect(u.template("/api/users/42/orders")).toEqual({
      endpoint: "/api/users/{user}/orders",
      params: { user: "42" },
    });
    expect(u.template("/inventory/SKU-ab")).toEqual({
      endpoint: "/inventory/{sku}",
      params: { sku: "SKU-ab" },
    });
    // No explicit template matches: the automatic rules apply.
    expect(u.template("/api/users/42")).toEqual({ endpoint: "/api/users/{id}", params: { id: "42" } });
  });
});

describe("roundRow and wilson", () => {
  it("rounds to 6 decimals summing to exactly 1 in integer units", () => {
    const row = roundRow([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    expect(row.map(([, p]) => Math.round(p * 1e6)).reduce((s, u) => s + u, 0)).toBe(1_000_000);
    expect(row).toEqual([
      ["a", 0.333334],
      ["b", 0.333333],
      ["c", 0.333333],
    ]);
  });

  it("drops targets that round to zero", () => {
    expect(
      roundRow([
        ["a", 10_000_000],
        ["b", 1],
      ]),
    ).toEqual([["a", 1]]);
  });

  it("gives the 95% Wilson interval", () => {
    // Reference values: p = 0.5, n = 100 -> [0.4038, 0.5962]; k = 0 keeps a positive upper bound.
    const w = wilson(50, 100);
    expect(w.low).toBeCloseTo(0.4038, 4);
    expect(w.high).toBeCloseTo(0.5962, 4);
    expect(wilson(0, 20).low).toBe(0);
    expect(wilson(0, 20).high).toBeCloseTo(0.1611, 4);
  });
});

const MIN = 60_000;

function call(key: string, endpoint: string, at: number, callIndex = -1): FitCall {
  return {
    key,
    endpoint,
    method: "GET",
    status: 200,
    latencyMs: 0,
    at,
    callIndex,
    isRetry: false,
    userType: undefined,
    params: {},
  };
}

const rows = (l: FitLearner) =>
  Object.fromEntries([...l.endpoints].map(([name, e]) => [name, Object.fromEntries(e.next)]));

describe("sessionization", () => {
  it("splits a client's calls at the gap and counts entries, transitions and $end", () => {
    const l = new FitLearner(30 * MIN);
    l.add(call("10.0.0.1 ua", "/a", 0));
    l.add(call("10.0.0.1 ua", "/b", 29 * MIN));
    // 30 minutes of silence after /b: a new session starts at /a.
    l.add(call("10.0.0.1 ua", "/a", 59 * MIN));
    l.finish();
    expect(l.tally.sessions).toBe(2);
    expect(Object.fromEntries(l.entries)).toEqual({ "/a": 2 });
    expect(rows(l)).toEqual({ "/a": { "/b": 1, [END]: 1 }, "/b": { [END]: 1 } });
  });

  it("keeps clients apart by key (address and user agent), interleaved", () => {
    const l = new FitLearner(30 * MIN);
    l.add(call("10.0.0.1 firefox", "/a", 0));
    l.add(call("10.0.0.1 curl", "/x", 1));
    l.add(call("10.0.0.1 firefox", "/b", 2));
    l.add(call("10.0.0.1 curl", "/y", 3));
    l.finish();
    expect(l.tally.sessions).toBe(2);
    expect(rows(l)).toEqual({ "/a": { "/b": 1 }, "/b": { [END]: 1 }, "/x": { "/y": 1 }, "/y": { [END]: 1 } });
  });

  it("closes silent sessions as time passes, so open sessions stay few", () => {
    const l = new FitLearner(MIN);
    for (let i = 0; i < 1000; i++) l.add(call(`c${i}`, "/a", i * MIN));
    l.finish();
    expect(l.tally.sessions).toBe(1000);
    expect(l.tally.maxOpen).toBeLessThanOrEqual(3);
  });

  it("starts a new session when call_index goes back, skips duplicates and retries in the chain", () => {
    const l = new FitLearner(30 * MIN);
    l.add(call("s1", "/a", 0, 0));
    l.add(call("s1", "/a", 0, 0)); // the same event delivered twice
    l.add({ ...call("s1", "/a", 1, 0), isRetry: true });
    l.add(call("s1", "/b", 2, 1));
    l.add(call("s1", "/a", 3, 0)); // a session id reused: a new session
    l.finish();
    expect(l.tally).toMatchObject({ sessions: 2, duplicates: 1, retries: 1 });
    expect(rows(l)).toEqual({ "/a": { "/b": 1, [END]: 1 }, "/b": { [END]: 1 } });
  });

  it("ends a session a gap after its last response at the next call of its key, a retry too, swept or not", () => {
    // Sweeps run once per gap of input time; the second learner's runs between the calls of "s".
    for (const other of [false, true]) {
      const l = new FitLearner(30 * MIN);
      l.add(call("s", "/a", 0, 0));
      if (other) l.add(call("o", "/x", 31 * MIN, 0));
      l.add({ ...call("s", "/a", 35 * MIN, 0), isRetry: true }); // a retry a gap later: /a's session ended
      l.add(call("s", "/b", 36 * MIN, 1));
      l.finish();
      expect(l.tally.sessions).toBe(other ? 3 : 2);
      expect(rows(l)["/a"]).toEqual({ [END]: 1 });
    }
  });

  it("measures think time from a response's end to the next request", () => {
    const l = new FitLearner(30 * MIN);
    l.add({ ...call("s", "/a", 0), latencyMs: 500 });
    l.add(call("s", "/b", 2500));
    l.finish();
    expect(l.think.count).toBe(1);
    expect(l.think.min).toBe(2000);
  });
});

/**
 * The byte scanner on one line of text; a copy of its call (it reuses its own), without the slot where
 * a learner keeps the endpoint's stats (the JSON.parse path has none: it is no data of the call).
 */
function scanEvent(text: string, keys = new SessionKeys()): FitCall | undefined {
  const call = new EventScanner(keys).scan(Buffer.from(text), 0, Buffer.byteLength(text));
  return call && { ...call, slot: undefined };
}

describe("the Event v1 line scanner", () => {
  const event = {
    event_id: "s1-0-0-1",
    timestamp: "2026-01-01T16:49:39.455Z",
    workflow: "ecommerce",
    user_id: "user-0",
    user_type: "premium",
    session_id: "s1-0-0",
    call_index: 1,
    endpoint: "/api/products/{id}",
    path: "/api/products/4979",
    method: "GET",
    params: { page: 2, q: "red shoes" },
    status_code: 500,
    response_time_ms: 64.8,
    is_retry: true,
    cascade_id: null,
  };
  const line = JSON.stringify(event);

  it("reads tracewalk's lines as JSON.parse and the checks do", () => {
    const keys = new SessionKeys();
    const fast = scanEvent(line, keys);
    expect(fast).toEqual(eventCall(JSON.parse(line), new PathParams(), keys));
    expect(fast).toMatchObject({
      at: Date.parse(event.timestamp),
      params: { page: 2, q: "red shoes", id: "4979" },
    });
    expect(scanEvent(JSON.stringify({ ...event, params: {} }))?.params).toEqual({ id: "4979" });
    // The usual call, whose status, retry flag and cascade the scanner compares in one go with their keys.
    const usual = JSON.stringify({ ...event, status_code: 200, is_retry: false });
    expect(scanEvent(usual, keys)).toEqual(eventCall(JSON.parse(usual), new PathParams(), keys));
  });

  it.each([
    ["another field order", JSON.stringify({ schema: 1, ...event })],
    ["an escape", JSON.stringify({ ...event, path: '/a"b' })],
    ["a truncated line", line.slice(0, -10)],
    ["a string call_index", JSON.stringify({ ...event, call_index: "1" })],
  ])("leaves %s to JSON.parse", (_, text) => {
    expect(scanEvent(text)).toBeUndefined();
  });

  it("gives each call its own params, whatever the endpoint's calls before had", () => {
    const scanner = new EventScanner(new SessionKeys());
    const bodies = [
      { page: 2, q: "red" },
      { page: 3, q: "blue" },
      { q: "green", page: 4 },
      { page: 5 },
      {},
      { page: 6, q: "red" },
    ];
    for (const params of [...bodies, ...bodies.reverse()]) {
      for (const path of ["/api/products/4979", "/api/products/x/y"]) {
        const text = JSON.stringify({ ...event, path, params });
        const call = scanner.scan(Buffer.from(text), 0, Buffer.byteLength(text));
        const want = eventCall(JSON.parse(text), new PathParams(), new SessionKeys()).params;
        expect(call?.params, text).toEqual(want);
        expect(Object.keys(call?.params ?? {}), text).toEqual(Object.keys(want));
      }
    }
    // A name twice: the last value, in the first one's place, as JSON.parse reads it.
    const twice = JSON.stringify({ ...event, params: {} }).replace(
      '"params":{}',
      '"params":{"a":1,"b":2,"a":3}',
    );
    const call = scanner.scan(Buffer.from(twice), 0, Buffer.byteLength(twice));
    expect(Object.entries(call?.params ?? {})).toEqual(
      Object.entries(JSON.parse(twice).params).concat([["id", "4979"]]),
    );
  });

  it("hands its calls to two learners, each keeping its own stats for the endpoint", () => {
    const scanner = new EventScanner(new SessionKeys());
    const [a, b] = [new FitLearner(60_000), new FitLearner(60_000)];
    const bytes = Buffer.from(line);
    for (const l of [a, b, a]) l.add(scanner.scan(bytes, 0, bytes.length)!);
    expect(a.endpoints.get(event.endpoint)?.calls).toBe(2);
    expect(b.endpoints.get(event.endpoint)?.calls).toBe(1);
  });

  it("parses RFC 3339 times as Date.parse does", () => {
    for (const t of ["2026-01-01T00:00:00.000Z", "2026-12-31T23:59:59.999Z", "2024-02-29T12:34:56.789Z"]) {
      expect(isoMs(t)).toBe(Date.parse(t));
    }
    expect(isoMs("2026-01-01T16:49:39+01:00")).toBe(Date.parse("2026-01-01T16:49:39+01:00"));
    const other = JSON.stringify({ ...event, timestamp: "2026-01-01T16:49:39Z" });
    expect(scanEvent(other)?.at).toBe(Date.parse("2026-01-01T16:49:39Z"));
  });
});
