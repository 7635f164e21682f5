import { describe, expect, it } from "vitest";
import { RateSchedule, type Segment } from "../../../src/sim/load/index.js";

const HOUR = 3_600_000;

describe("RateSchedule", () => {
  it("starts at the arrival rate, ramps linearly through the stages, then holds the last target", () => {
    const r = new RateSchedule(0, 2, [
      { durationMs: HOUR, target: 10 },
      { durationMs: 0, target: 4 },
      { durationMs: HOUR, target: 4 },
    ]);
    expect(r.rateAt(0)).toBe(2);
    expect(r.rateAt(HOUR / 4)).toBe(4);
    // A stage of length 0 jumps.
    expect(r.rateAt(HOUR)).toBe(4);
    expect(r.rateAt(1.5 * HOUR)).toBe(4);
    expect(r.rateAt(100 * HOUR)).toBe(4);
    expect(r.zeroFrom(100 * HOUR)).toBe(false);
  });

  it("multiplies by the daily curve of the UTC hour and cuts segments at hour boundaries", () => {
    const curve = Array.from({ length: 24 }, (_, h) => h);
    const r = new RateSchedule(0, 2, [{ durationMs: 2 * HOUR, target: 4 }], curve);
    expect(r.rateAt(HOUR / 2)).toBeCloseTo(0);
    expect(r.rateAt(25 * HOUR + 1)).toBeCloseTo(4);
    const seg: Segment = { end: 0, bound: 0 };
    r.segment(HOUR + 10, seg);
    expect(seg).toEqual({ end: 2 * HOUR, bound: 4 });
    r.segment(5 * HOUR, seg);
    expect(seg).toEqual({ end: 6 * HOUR, bound: 20 });
  });

  it("knows when the rate is 0 forever", () => {
    expect(new RateSchedule(0, 0, []).zeroFrom(0)).toBe(true);
    const down = new RateSchedule(0, 5, [{ durationMs: HOUR, target: 0 }]);
    expect(down.zeroFrom(HOUR - 1)).toBe(false);
    expect(down.zeroFrom(HOUR)).toBe(true);
    expect(new RateSchedule(0, 5, [], new Array(24).fill(0)).zeroFrom(0)).toBe(true);
    const gap = new RateSchedule(0, 0, [
      { durationMs: HOUR, target: 0 },
      { durationMs: HOUR, target: 1 },
    ]);
    expect(gap.zeroFrom(0)).toBe(false);
  });

  it("set: keeps the past, cuts the stage it falls in, and holds the new rate from then on", () => {
    const r = new RateSchedule(0, 0, [{ durationMs: 2 * HOUR, target: 20 }]);
    r.set(3, HOUR);
    expect(r.rateAt(HOUR / 2)).toBe(5);
    expect(r.rateAt(HOUR - 1)).toBeCloseTo(10, 2);
    expect(r.rateAt(HOUR)).toBe(3);
    expect(r.rateAt(10 * HOUR)).toBe(3);
    const seg: Segment = { end: 0, bound: 0 };
    expect(r.segment(HOUR / 2, seg)).toEqual({ end: HOUR, bound: 10 });
    r.set(0, 2 * HOUR);
    expect(r.zeroFrom(2 * HOUR)).toBe(true);
    expect(r.zeroFrom(HOUR)).toBe(false);
  });
});
