import { describe, expect, it } from "vitest";
import { Effect, effectNames, effectsOf, markEffects, type TraceEvent } from "../../src/event/index.js";
import { eventToJson } from "../../src/sinks/index.js";
import { encodeJson, encodeProtobuf } from "../../src/sinks/otlp-encode.js";

const event = (): TraceEvent => ({
  event_id: "s1-0-0-3",
  timestamp: "2026-01-01T00:00:00.000Z",
  workflow: "shop",
  user_id: "user-1",
  user_type: "buyer",
  session_id: "s1-0-0",
  call_index: 3,
  endpoint: "/api/cart",
  path: "/api/cart",
  method: "POST",
  params: { qty: 2 },
  status_code: 503,
  response_time_ms: 41.5,
  is_retry: false,
  cascade_id: "brownout-0",
});

describe("a call's effect bits", () => {
  it("travel with the event in process and nowhere else: JSON, the JSONL line, spread and clone are unchanged", () => {
    const plain = event();
    const marked = event();
    markEffects(marked, Effect.DRAWN | Effect.UNAVAILABLE | Effect.RETRY);
    expect(effectsOf(marked)).toBe(Effect.DRAWN | Effect.UNAVAILABLE | Effect.RETRY);
    expect(effectsOf(plain)).toBe(0);
    expect(eventToJson(marked)).toBe(eventToJson(plain));
    expect(JSON.stringify(marked)).toBe(JSON.stringify(plain));
    expect(Object.keys(marked)).toEqual(Object.keys(plain));
    expect(effectsOf({ ...marked })).toBe(0);
    expect(effectsOf(structuredClone(marked))).toBe(0);
    expect({ ...marked }).toEqual(plain);
  });

  it("mark nothing for 0 and name the effects in a fixed order", () => {
    const e = event();
    markEffects(e, 0);
    expect(Object.getOwnPropertySymbols(e)).toEqual([]);
    expect(effectNames(Effect.RETRY | Effect.SLOW | Effect.DRAWN | Effect.SESSION)).toEqual([
      "slow",
      "retry",
    ]);
    expect(effectNames(Effect.DRAWN)).toEqual([]);
    expect(effectNames(Effect.TIMEOUT | Effect.UNAVAILABLE)).toEqual(["timeout", "unavailable"]);
  });
});

describe("a string-list attribute", () => {
  const groups = [
    {
      resource: [["service.name", "t"]] as const,
      spans: [
        {
          traceId: "1".padStart(32, "0"),
          spanId: "2".padStart(16, "0"),
          parentSpanId: null,
          name: "GET /",
          kind: 3,
          startMs: 0,
          endMs: 1,
          attributes: [
            ["tracewalk.cascade.effect", ["slow", "retry"]],
            ["empty", []],
          ] as const,
          status: 0,
        },
      ],
    },
  ];

  it("is an arrayValue of stringValues in OTLP/JSON (empty: no values)", () => {
    const body = JSON.parse(Buffer.from(encodeJson(groups, { name: "tw", version: "0" })).toString());
    const attrs = body.resourceSpans[0].scopeSpans[0].spans[0].attributes;
    expect(attrs).toEqual([
      {
        key: "tracewalk.cascade.effect",
        value: { arrayValue: { values: [{ stringValue: "slow" }, { stringValue: "retry" }] } },
      },
      { key: "empty", value: { arrayValue: { values: [] } } },
    ]);
  });

  it("is AnyValue field 5 (ArrayValue, repeated AnyValue 1) in protobuf", () => {
    const bytes = Buffer.from(encodeProtobuf(groups, { name: "tw", version: "0" }));
    // value { array_value { values { string_value "slow" } values { string_value "retry" } } }
    const want = Buffer.from([
      0x12,
      0x13,
      0x2a,
      0x11,
      0x0a,
      0x06,
      0x0a,
      0x04,
      ...Buffer.from("slow"),
      0x0a,
      0x07,
      0x0a,
      0x05,
      ...Buffer.from("retry"),
    ]);
    expect(bytes.includes(want)).toBe(true);
    // The empty list: value { array_value {} }.
    expect(bytes.includes(Buffer.from([...Buffer.from("empty"), 0x12, 0x02, 0x2a, 0x00]))).toBe(true);
  });
});
