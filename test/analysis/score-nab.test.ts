import { describe, expect, it } from "vitest";
import {
  eventScore,
  falseAlarms,
  NAB_STANDARD,
  nabScore,
  type ScoreWindow,
  scaledSigmoid,
  scoreCalls,
} from "../../src/analysis/index.js";

const M = 60_000;
const H = 60 * M;
const win = (id: string, start: number, end: number): ScoreWindow => ({ cascade_id: id, start, end });

describe("nabScore (Lavin & Ahmad 2015, standard profile)", () => {
  const windows = [win("A", 10 * M, 20 * M), win("B", 60 * M, 70 * M)];

  it("scores 100 for an alert at the start of every window, 0 for silence", () => {
    expect(nabScore(windows, [10 * M, 60 * M], 0).normalized).toBeCloseTo(100, 10);
    expect(nabScore(windows, [], 0)).toEqual({ raw: -2, normalized: 0 });
    expect(nabScore([], [5 * M], 0).normalized).toBeNull();
  });

  it("rewards an early detection more than a late one; later alerts in a window cost nothing", () => {
    const early = nabScore(windows, [11 * M, 61 * M], 0).normalized!;
    const late = nabScore(windows, [19 * M, 69 * M], 0).normalized!;
    expect(early).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(0);
    expect(nabScore(windows, [11 * M, 12 * M, 19 * M, 61 * M], 0).normalized).toBeCloseTo(early, 12);
  });

  it("charges a false alarm fp weight, less right after a window than far from one", () => {
    const perfect = [10 * M, 60 * M];
    const far = nabScore(windows, [...perfect, 5 * M], 0).raw; // before any window: the full -0.11
    expect(far).toBeCloseTo(2 - NAB_STANDARD.fp, 12);
    const near = nabScore(windows, [...perfect, 21 * M], 0).raw; // 1/10 of A's width past A
    expect(near).toBeCloseTo(2 + NAB_STANDARD.fp * scaledSigmoid(0.1), 12);
    expect(near).toBeGreaterThan(far);
    // More than three window widths past: as far as can be.
    expect(nabScore(windows, [...perfect, 51 * M], 0).raw).toBeCloseTo(2 - NAB_STANDARD.fp, 12);
  });

  it("counts the tolerance as part of the window", () => {
    // 25m is past A's end but within a 10m tolerance: a late detection, not a false alarm.
    const r = nabScore([win("A", 10 * M, 20 * M)], [25 * M], 10 * M);
    expect(r.raw).toBeCloseTo(scaledSigmoid(-5 / 20) / scaledSigmoid(-1), 12);
  });
});

describe("falseAlarms", () => {
  it("counts alerts outside every window per quiet hour of the given span", () => {
    // A 3h span with one 1h window (+0 tolerance): 2 quiet hours, 3 alerts outside, 1 inside.
    const r = falseAlarms([win("A", H, 2 * H)], [0, 1.5 * H, 2.5 * H, 3 * H], 0, { start: 0, end: 3 * H });
    expect(r).toEqual({ count: 3, quietHours: 2, perHour: 1.5 });
  });

  it("merges overlapping windows and has no rate without quiet time", () => {
    const r = falseAlarms([win("A", 0, 2 * H), win("B", H, 3 * H)], [4 * H], 0, { start: 0, end: 5 * H });
    expect(r.quietHours).toBe(2);
    expect(falseAlarms([win("A", 0, H)], [H / 2], 0, { start: 0, end: H }).perHour).toBeNull();
  });
});

describe("eventScore and scoreCalls", () => {
  it("counts point-wise hits", () => {
    expect(eventScore([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])).toMatchObject({
      anomalous: 3,
      flagged: 3,
      hits: 2,
      precision: 2 / 3,
      recall: 2 / 3,
    });
    expect(eventScore([0, 0], [0, 0])).toMatchObject({ precision: null, recall: null, f1: null });
  });

  it("adds the range scores and their F1", () => {
    const s = scoreCalls([0, 1, 1, 1, 1, 0], [0, 1, 1, 0, 0, 0]);
    expect(s.range).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3 });
    expect(s.events).toBe(6);
  });
});
