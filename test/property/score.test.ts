// Properties of `score`'s arithmetic on any windows and alerts: it never throws, every ratio is in
// [0, 1] or null, the counts add up, the order of the alerts does not matter, and a detector that
// alerts at each window's start is perfect. (Its readers are in recordings.test.ts.)
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ScoreWindow, scoreAlerts } from "../../src/analysis/score.js";
import { rangeScore } from "../../src/analysis/score-range.js";
import { RUNS } from "./clear.js";

const HOUR = 3_600_000;
const instant = fc.integer({ min: 0, max: 48 * HOUR });

const windows: fc.Arbitrary<ScoreWindow[]> = fc
  .array(fc.tuple(instant, fc.integer({ min: 0, max: 2 * HOUR })), { maxLength: 8 })
  .map((ws) => ws.map(([start, len], i) => ({ cascade_id: `c${i}`, start, end: start + len })));
const alerts = fc.array(instant, { maxLength: 20 });
const tolerance = fc.integer({ min: 0, max: 10 * 60_000 });

const inUnit = (x: number | null) => x === null || (x >= 0 && x <= 1);

describe("score properties", () => {
  it("any windows and alerts: ratios in [0, 1] or null, counts that add up, alert order irrelevant", () => {
    fc.assert(
      fc.property(windows, alerts, tolerance, (ws, as, tol) => {
        const r = scoreAlerts(ws, as, tol);
        expect(r.windows).toBe(ws.length);
        expect(r.alerts).toBe(as.length);
        for (const x of [r.recall, r.precision, r.f1]) expect(inUnit(x), JSON.stringify(r)).toBe(true);
        expect(r.detected).toBeLessThanOrEqual(r.windows);
        expect(r.matched + r.false_alarms).toBe(r.alerts);
        expect(Object.values(r.time_to_detect_s).filter((t) => t !== null)).toHaveLength(r.detected);
        for (const t of Object.values(r.time_to_detect_s))
          if (t !== null) expect(t).toBeGreaterThanOrEqual(0);
        if (r.nab_score !== null) expect(r.nab_score).toBeLessThanOrEqual(100 + 1e-9);
        expect(r.nab_score === null).toBe(ws.length === 0);
        expect(scoreAlerts(ws, [...as].reverse(), tol)).toEqual(r);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("an alert at each window's start is a perfect detector", () => {
    fc.assert(
      fc.property(
        windows.filter((ws) => ws.length > 0),
        tolerance,
        (ws, tol) => {
          const r = scoreAlerts(
            ws,
            ws.map((w) => w.start),
            tol,
          );
          expect([r.recall, r.precision, r.f1]).toEqual([1, 1, 1]);
          expect(r.false_alarms).toBe(0);
          expect(r.mean_time_to_detect_s).toBe(0);
          expect(r.nab_score).toBeCloseTo(100, 6);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("range precision and recall of any flags are in [0, 1]; a prediction equal to the truth scores 1", () => {
    const flags = fc.array(fc.boolean(), { maxLength: 60 });
    fc.assert(
      fc.property(
        flags.chain((real) =>
          fc.tuple(
            fc.constant(real),
            fc.array(fc.boolean(), { minLength: real.length, maxLength: real.length }),
          ),
        ),
        ([real, predicted]) => {
          const r = rangeScore(real, predicted);
          expect(inUnit(r.precision) && inUnit(r.recall), JSON.stringify(r)).toBe(true);
          const self = rangeScore(real, real);
          if (real.some(Boolean)) expect([self.precision, self.recall]).toEqual([1, 1]);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
