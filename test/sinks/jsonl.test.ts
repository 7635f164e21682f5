import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { eventsToJsonl, eventToJson, JsonlEncoder } from "../../src/sinks/jsonl.js";

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
});
