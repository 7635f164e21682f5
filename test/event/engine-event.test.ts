import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EndpointText, EngineEvent, SessionText, type TraceEvent } from "../../src/event/index.js";
import { TimestampFormatter } from "../../src/sim/timefmt.js";
import { JsonlEncoder } from "../../src/sinks/jsonl-encoder.js";
import { engineEventAt } from "../helpers/engine-events.js";

/** An event as the engine makes it, at `ms`. */
const made = (fmt: TimestampFormatter, ms: number, callIndex = 3) => engineEventAt(fmt, ms, { callIndex });

function encode(events: readonly TraceEvent[], enc = new JsonlEncoder()): string {
  const chunks: Buffer[] = [];
  enc.encode(events, chunks);
  enc.flush(chunks);
  return Buffer.concat(chunks).toString("utf8");
}

const lines = (events: readonly TraceEvent[]) => events.map((e) => `${JSON.stringify(e)}\n`).join("");

// Instants from year -271821 to 275760 (all Date allows), whole milliseconds, and the edges of minutes.
const instant = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc
    .tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(0, 1, 59_999))
    .map(([m, r]) => m * 60_000 + r),
  fc.integer({ min: 1.7e12, max: 1.9e12 }),
  fc.constantFrom(-1, 0, 59_999, 60_000, 253_402_300_799_999, 253_402_300_800_000),
);

describe("EngineEvent", () => {
  it("formats timestamps exactly as toISOString, in any order of instants", () => {
    const fmt = new TimestampFormatter();
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 30 }), (ms) => {
        for (const t of ms) expect(fmt.format(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 300 },
    );
  });

  it("is Event v1 to every reader: JSON, keys, spread and structured clone see no more fields", () => {
    const e = made(new TimestampFormatter(), Date.UTC(2026, 0, 1, 12, 34, 56, 789));
    const plain = {
      event_id: "s1-7-0-3",
      timestamp: "2026-01-01T12:34:56.789Z",
      workflow: "ecommerce",
      user_id: "user-7",
      user_type: "new",
      session_id: "s1-7-0",
      call_index: 3,
      endpoint: "/api/products/{id}",
      path: "/api/products/17",
      method: "GET",
      params: { q: "shoes", page: 2 },
      status_code: 200,
      response_time_ms: 170.5,
      is_retry: false,
      cascade_id: null,
    };
    expect(JSON.stringify(e)).toBe(JSON.stringify(plain));
    expect(Object.keys(e)).toEqual(Object.keys(plain));
    expect(Object.getOwnPropertySymbols(e)).toEqual([]);
    expect({ ...e }).toStrictEqual(plain);
    expect(structuredClone(e)).toStrictEqual(plain);
    e.error = null;
    expect(JSON.stringify(e)).toBe(JSON.stringify({ ...plain, error: null }));
  });

  it("gives the encoder its timestamp's numbers only while the timestamp is the one made", () => {
    const e = made(new TimestampFormatter(), Date.UTC(2026, 0, 1, 0, 1, 2, 3));
    expect(EngineEvent.timestampMinute(e)).toBe(Math.floor(Date.UTC(2026, 0, 1, 0, 1) / 60_000));
    expect(EngineEvent.timestampInMinute(e)).toBe(2003);
    expect(EngineEvent.timestampMs(e)).toBe(Date.UTC(2026, 0, 1, 0, 1, 2, 3));
    const copy = { ...e };
    expect(EngineEvent.timestampMinute(copy)).toBe(-1);
    expect(EngineEvent.timestampMs(copy)).toBe(-1);
    e.timestamp = "2030-05-05T05:05:05.005Z";
    expect(EngineEvent.timestampMinute(e)).toBe(-1);
    expect(EngineEvent.timestampMs(e)).toBe(-1);
    expect(encode([e, copy])).toBe(lines([e, copy]));
  });

  it("encodes to JSON.stringify's bytes for any instant, the minute's text cached or not", () => {
    const fmt = new TimestampFormatter();
    // One encoder over every run: its cached minute is sometimes the one needed, mostly not.
    const enc = new JsonlEncoder();
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 20 }), fc.integer({ min: 0, max: 300 }), (ms, k) => {
        const events = ms.map((t) => made(fmt, t, k));
        // Runs in time order too, as the engine makes them (the cached minute hit).
        const sorted = [...ms].sort((a, b) => a - b).map((t) => made(fmt, t, k));
        expect(encode(events, enc)).toBe(lines(events));
        expect(encode(sorted, enc)).toBe(lines(sorted));
      }),
      { numRuns: 300 },
    );
  });

  it("encodes events made from a session's and an endpoint's text to JSON.stringify's bytes, changed or not", () => {
    const fmt = new TimestampFormatter();
    const enc = new JsonlEncoder();
    // Any strings (escapes, non-ASCII, lone surrogates), shared by several events; then some events
    // changed after they were made, as a sink or a test may: the encoder must see it.
    const text = fc.oneof(
      fc.constantFrom("s1-7-0", "user-7", "new", "/a/{id}", "GET"),
      fc.string(),
      fc.string({ unit: "binary" }),
    );
    const field = fc.constantFrom(
      "event_id",
      "session_id",
      "user_id",
      "user_type",
      "workflow",
      "endpoint",
      "method",
      "path",
      "call_index",
    );
    fc.assert(
      fc.property(
        fc.tuple(text, text, text, text),
        fc.tuple(text, text),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 70_000 }), fc.option(field), text), { maxLength: 12 }),
        ([wf, uid, ut, sid], [ep, method], calls) => {
          const st = new SessionText(wf, uid, ut, sid);
          const et = new EndpointText(ep, method as "GET");
          const events = calls.map(([i, change, value], k) => {
            const path = k % 2 === 0 ? ep : `${ep}/${value}`;
            const e = EngineEvent.made(
              st,
              i,
              fmt.format(1.7e12 + 997 * k),
              fmt.minute,
              fmt.inMinute,
              et,
              path,
              {},
              200,
              12.5,
              false,
              null,
            );
            if (change === "call_index") e.call_index = i + 1;
            else if (change !== null) (e as unknown as Record<string, string>)[change] = value;
            return e;
          });
          expect(encode(events, enc)).toBe(lines(events));
          expect(encode(events, enc)).toBe(lines(events));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("makes an id from the session id and the call index", () => {
    const st = new SessionText("w", "user-1", "new", "s1-1-0");
    const e = EngineEvent.made(
      st,
      300,
      "t",
      -1,
      0,
      new EndpointText("/", "GET"),
      "/",
      {},
      200,
      1,
      false,
      null,
    );
    expect(e.event_id).toBe("s1-1-0-300");
    expect(EngineEvent.sessionText(e)).toBe(st);
    expect(EngineEvent.idIndex(e)).toBe(300);
    e.event_id = "other";
    expect(EngineEvent.idIndex(e)).toBe(-1);
  });
});
