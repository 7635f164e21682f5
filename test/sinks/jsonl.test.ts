import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { eventsToJsonl, eventToJson } from "../../src/sinks/jsonl.js";
import { JsonlEncoder } from "../../src/sinks/jsonl-encoder.js";

function event(over: Partial<TraceEvent> = {}): TraceEvent {
  return {
    event_id: "s42-1-0-0",
    timestamp: "2026-01-01T00:00:00.000Z",
    workflow: "ecommerce",
    user_id: "user-1",
    user_type: "new",
    session_id: "s42-1-0",
    call_index: 0,
    endpoint: "/api/products/{id}",
    path: "/api/products/17",
    method: "GET",
    params: { q: "shoes", page: 2 },
    status_code: 200,
    response_time_ms: 170.5,
    is_retry: false,
    cascade_id: null,
    ...over,
  };
}

describe("JSONL serializer", () => {
  it("writes exactly what JSON.stringify writes, for awkward values too", () => {
    const cases: Partial<TraceEvent>[] = [
      {},
      { response_time_ms: 0.1 },
      { response_time_ms: 30_000 },
      { response_time_ms: 12.3 },
      { response_time_ms: 1e-7 },
      { response_time_ms: 123.456 },
      { response_time_ms: 1e21 },
      { response_time_ms: 9007199254740.9 },
      { user_id: 'quote " and \\ backslash', session_id: "tab\there", path: "/ünïcode/🚀" },
      { workflow: "line\nbreak", user_type: "\u0000", endpoint: "/a\u007f" },
      { params: { 'we"ird': "vä\\lue", n: -1.5 }, cascade_id: "cascade-\u2028" },
      { params: {}, is_retry: true, cascade_id: "c-1" },
    ];
    for (let i = 0; i < 2000; i++) cases.push({ response_time_ms: ((i * 7919) % 1_000_000) / 10 });
    for (const c of cases) {
      const e = event(c);
      expect(eventToJson(e)).toBe(JSON.stringify(e));
    }
  });

  it("encodes batches into byte chunks equal to the JSON Lines text", () => {
    const events = Array.from({ length: 5000 }, (_, i) =>
      event({ call_index: i, path: `/api/products/${i}` }),
    );
    const enc = new JsonlEncoder();
    const chunks: Buffer[] = [];
    enc.encode(events.slice(0, 3000), chunks);
    enc.encode(events.slice(3000), chunks);
    enc.flush(chunks);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(eventsToJsonl(events));
  });

  it("encodes chunk boundaries, long fields and many params like JSON.stringify", () => {
    // ~4 MiB chunks: 40,000 lines of ~360 bytes cross several; a 5 MB path is longer than a chunk.
    const events = Array.from({ length: 40_000 }, (_, i) =>
      event({ call_index: i, path: `/api/products/${i}`, cascade_id: i % 3 === 0 ? `c-${i}` : null }),
    );
    events.push(event({ path: `/${"x".repeat(5_000_000)}` }));
    events.push(
      event({ params: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`p${i}`, i])) }),
    );
    events.push(event({ cascade_id: "é".repeat(3_000_000) }));
    const enc = new JsonlEncoder();
    const chunks: Buffer[] = [];
    enc.encode(events, chunks);
    enc.flush(chunks);
    expect(
      Buffer.concat(chunks).equals(Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(""))),
    ).toBe(true);
  });

  it("fills chunks given back again, with the right bytes", () => {
    const batch = (k: number) =>
      Array.from({ length: 30_000 }, (_, i) => event({ call_index: i, path: `/api/products/${k}-${i}` }));
    const enc = new JsonlEncoder();
    const first: Buffer[] = [];
    enc.encode(batch(1), first);
    enc.flush(first);
    expect(Buffer.concat(first).toString("utf8")).toBe(eventsToJsonl(batch(1)));
    enc.recycle(first);
    const second: Buffer[] = [];
    enc.encode(batch(2), second);
    enc.flush(second);
    expect(Buffer.concat(second).toString("utf8")).toBe(eventsToJsonl(batch(2)));
    // The second batch went into the first one's memory.
    const reused = second.filter((c) => first.some((f) => f.buffer === c.buffer));
    expect(reused.length).toBeGreaterThan(0);
  });

  it("gives JSON.stringify's bytes for any event: escapes, non-ASCII, params, error, null cascade_id", () => {
    const text = fc.oneof(
      fc.string({ unit: "grapheme-composite" }),
      fc.string({ unit: "binary" }),
      fc.string(),
      fc.constantFrom("", "ecommerce", "/api/x", '"', "\\", "\u2028", "\ud800", "é", "🚀"),
    );
    const num = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.integer({ min: 0, max: 1_000_000 }).map((k) => k / 10),
      fc.constantFrom(0, -0, 1e21, -1e-7, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, Number.NaN, Infinity),
    );
    const anEvent = fc.record({
      event_id: text,
      timestamp: text,
      workflow: text,
      user_id: text,
      user_type: text,
      session_id: text,
      call_index: num,
      endpoint: text,
      path: text,
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH" as const),
      params: fc.dictionary(text, fc.oneof(text, num), { maxKeys: 5 }),
      status_code: num,
      response_time_ms: num,
      is_retry: fc.boolean(),
      cascade_id: fc.option(text, { nil: null }),
    });
    const withError = fc
      .tuple(anEvent, fc.constantFrom(undefined, null, "timeout", 'a"b\n'))
      .map(([e, err]) => (err === undefined ? e : { ...e, error: err }));
    // One encoder over every run: its memos fill up and later values take the slow path too.
    const enc = new JsonlEncoder();
    fc.assert(
      fc.property(fc.array(withError, { maxLength: 20 }), (events) => {
        const chunks: Buffer[] = [];
        enc.encode(events as TraceEvent[], chunks);
        enc.flush(chunks);
        const want = events.map((e) => `${JSON.stringify(e)}\n`).join("");
        expect(Buffer.concat(chunks).toString("utf8")).toBe(want);
        for (const e of events) expect(eventToJson(e as TraceEvent)).toBe(JSON.stringify(e));
      }),
      { numRuns: 500 },
    );
  });
});
