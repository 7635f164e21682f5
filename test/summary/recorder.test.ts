import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { TimestampFormatter } from "../../src/sim/timefmt.js";
import { SummaryRecorder } from "../../src/summary/recorder.js";
import { engineEventAt } from "../helpers/engine-events.js";

/** An event as the engine makes it, at `ms`, on `endpoint`; some fail, latencies vary. */
const made = (fmt: TimestampFormatter, ms: number, endpoint: string) =>
  engineEventAt(fmt, ms, { endpoint, statusCode: ms % 7 === 0 ? 503 : 200, responseTimeMs: (ms % 997) / 4 });

function recorded(events: readonly TraceEvent[]) {
  const rec = new SummaryRecorder();
  rec.observe(events);
  return { first: rec.firstMs, last: rec.lastMs, timeline: rec.timeline.toJSON(), series: rec.series() };
}

describe("SummaryRecorder", () => {
  it("times the engine's events from their numbers as it times any event from its text", () => {
    // Runs of instants up to 3 days long, starting anywhere from 1970 to the year 6053 (the engine's
    // minutes as small integers), minutes' last milliseconds among them.
    const run = fc.tuple(
      fc.integer({ min: 0, max: 2_000_000_000 }).map((m) => m * 60_000),
      fc.array(
        fc.oneof(
          fc.integer({ min: 0, max: 259_200_000 }),
          fc.integer({ min: 0, max: 4320 }).map((m) => m * 60_000 + 59_999),
        ),
        {
          minLength: 1,
          maxLength: 40,
        },
      ),
    );
    fc.assert(
      fc.property(run, ([start, offsets]) => {
        const instants = offsets.map((o) => start + o);
        const fmt = new TimestampFormatter();
        const events = [...instants]
          .sort((a, b) => a - b)
          .map((ms, i) => made(fmt, ms, i % 2 === 0 ? "/a" : "/b"));
        // A plain copy has only its text: the recorder reads the time from the string.
        const fromNumbers = recorded(events);
        expect(fromNumbers).toEqual(recorded(events.map((e) => ({ ...e }))));
        expect(fromNumbers.first).toBe(Math.min(...instants));
      }),
      { numRuns: 60 },
    );
  });

  it("reads the text of an engine's event whose timestamp was changed after it was made", () => {
    const fmt = new TimestampFormatter();
    const e = made(fmt, Date.UTC(2026, 0, 1), "/a");
    e.timestamp = "2026-01-02T03:04:05.678Z";
    expect(recorded([e]).first).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  });
});
