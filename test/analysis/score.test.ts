import { describe, expect, it } from "vitest";
import {
  SCORE_JSON_FIELDS,
  type ScoreWindow,
  scoreAlerts,
  scoreJson,
  scoreText,
} from "../../src/analysis/index.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const S = 1000;
const M = 60 * S;
const at = (ms: number) => T0 + ms;
const win = (id: string, start: number, end: number): ScoreWindow => ({
  cascade_id: id,
  start: at(start),
  end: at(end),
});

describe("scoreAlerts", () => {
  it("gives the hand-computed answer on 3 windows and 5 alerts with a 2m tolerance", () => {
    // Windows A [10m, 15m], B [30m, 35m], C [60m, 62m]; with the tolerance they reach 17m, 37m, 64m.
    const windows = [win("A", 10 * M, 15 * M), win("B", 30 * M, 35 * M), win("C", 60 * M, 62 * M)];
    const alerts = [
      at(9 * M), // before A's start: counts for no window (false alarm)
      at(11 * M), // inside A: detects A, time to detect 1m = 60 s
      at(16 * M), // after A's end but within the tolerance: a true alert, not A's first
      at(36 * M + 30 * S), // within B's tolerance: detects B late, 6m30s = 390 s after its start
      at(45 * M), // in no window (false alarm); C is never detected
    ];
    const r = scoreAlerts(windows, alerts, 2 * M);
    // recall 2/3; precision 3/5 = 0.6; F1 = 2·0.6·(2/3) / (0.6 + 2/3) = 0.8 / 1.2667 = 12/19 ≈ 0.631579;
    // time to detect over A and B: mean (60 + 390) / 2 = 225 s, median (two values) also 225 s.
    expect(r).toMatchObject({ windows: 3, alerts: 5, detected: 2, matched: 3 });
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.precision).toBeCloseTo(0.6, 12);
    expect(r.f1).toBeCloseTo(12 / 19, 12);
    expect(r.mean_time_to_detect_s).toBe(225);
    expect(r.median_time_to_detect_s).toBe(225);
    // NAB, standard profile: A's first alert 11m sits at -(17 - 11)/7 of A's 7m window [10m, 17m],
    // B's at -(37 - 36.5)/7; C is missed (-1); 9m comes before any window (-0.11); 45m lies 8/7 of B's
    // width past B (0.11 · σ(8/7)). Normalised against silence (-3) and perfection (+3).
    const sigma = (y: number) => 2 / (1 + Math.exp(5 * y)) - 1;
    const raw = (sigma(-6 / 7) + sigma(-0.5 / 7)) / sigma(-1) - 1 - 0.11 + 0.11 * sigma(8 / 7);
    expect(r.nab_score).toBeCloseTo((100 * (raw + 3)) / 6, 10);
    // False alarms 9m and 45m, over the quiet time of [9m, 64m]: 55m less 7 + 7 + 4 covered = 37m.
    expect(r.false_alarms).toBe(2);
    expect(r.false_alarms_per_hour).toBeCloseTo(120 / 37, 12);
    expect(r.time_to_detect_s).toEqual({ A: 60, B: 390, C: null });
    expect(JSON.parse(scoreJson({ windows: r, calls: null }))).toEqual({
      windows: 3,
      alerts: 5,
      recall: 0.666667,
      precision: 0.6,
      f1: 0.631579,
      mean_time_to_detect_s: 225,
      median_time_to_detect_s: 225,
      event_precision: null,
      event_recall: null,
      event_f1: null,
      range_precision: null,
      range_recall: null,
      range_f1: null,
      nab_score: Number(((100 * (raw + 3)) / 6).toPrecision(6)),
      false_alarms_per_hour: 3.24324,
      time_to_detect_s: { A: 60, B: 390, C: null },
    });
  });

  it("does not depend on the order of the alerts or of the windows", () => {
    const windows = [win("A", 10 * M, 15 * M), win("B", 30 * M, 35 * M), win("C", 60 * M, 62 * M)];
    const alerts = [at(9 * M), at(11 * M), at(16 * M), at(36 * M + 30 * S), at(45 * M)];
    const a = scoreAlerts(windows, alerts, 2 * M);
    const b = scoreAlerts([...windows].reverse(), [...alerts].reverse(), 2 * M);
    expect(b).toEqual(a);
  });

  it("includes both ends of [start, end + tolerance] and nothing outside", () => {
    const w = [win("A", 10 * M, 15 * M)];
    expect(scoreAlerts(w, [at(10 * M)], 2 * M)).toMatchObject({
      recall: 1,
      precision: 1,
      mean_time_to_detect_s: 0,
    });
    expect(scoreAlerts(w, [at(17 * M)], 2 * M)).toMatchObject({
      recall: 1,
      precision: 1,
      mean_time_to_detect_s: 420,
    });
    expect(scoreAlerts(w, [at(17 * M + 1)], 2 * M)).toMatchObject({ recall: 0, precision: 0, f1: 0 });
    expect(scoreAlerts(w, [at(10 * M - 1)], 2 * M)).toMatchObject({ recall: 0, precision: 0 });
    // With no tolerance the window's end is the last instant that counts.
    expect(scoreAlerts(w, [at(15 * M)], 0)).toMatchObject({ recall: 1, precision: 1 });
    expect(scoreAlerts(w, [at(15 * M + 1)], 0)).toMatchObject({ recall: 0, precision: 0 });
  });

  it("takes a window's first alert for its time to detect, not an earlier one before its start", () => {
    const r = scoreAlerts([win("A", 10 * M, 20 * M)], [at(9 * M), at(12 * M), at(14 * M)], 0);
    // 9m is before the start; the first alert inside is 12m: 120 s.
    expect(r).toMatchObject({
      detected: 1,
      matched: 2,
      mean_time_to_detect_s: 120,
      median_time_to_detect_s: 120,
    });
    expect(r.precision).toBeCloseTo(2 / 3, 12);
  });

  it("judges overlapping windows each on its own and counts a shared alert once for precision", () => {
    const r = scoreAlerts([win("A", 0, 10 * M), win("B", 5 * M, 15 * M)], [at(6 * M)], 0);
    // The one alert detects both: 6m = 360 s after A's start, 1m = 60 s after B's.
    expect(r).toMatchObject({
      windows: 2,
      alerts: 1,
      detected: 2,
      matched: 1,
      recall: 1,
      precision: 1,
      f1: 1,
    });
    expect(r.mean_time_to_detect_s).toBe(210);
    expect(r.median_time_to_detect_s).toBe(210);
  });

  it("matches an alert inside a long window that a later, shorter window has closed over", () => {
    // B starts after A and ends long before it: the alert at 30m is still inside A.
    const r = scoreAlerts([win("A", 0, 60 * M), win("B", 10 * M, 11 * M)], [at(30 * M)], 0);
    expect(r).toMatchObject({ detected: 1, matched: 1, precision: 1, recall: 0.5 });
  });

  it("takes the middle value as the median of an odd count", () => {
    const windows = [win("A", 0, M), win("B", 10 * M, 11 * M), win("C", 20 * M, 21 * M)];
    // Delays 1 s, 10 s and 40 s: mean 17 s, median 10 s.
    const r = scoreAlerts(windows, [at(1 * S), at(10 * M + 10 * S), at(20 * M + 40 * S)], 0);
    expect(r.mean_time_to_detect_s).toBe(17);
    expect(r.median_time_to_detect_s).toBe(10);
  });

  it("leaves precision undefined with no alerts, and F1 0 since nothing was detected", () => {
    const r = scoreAlerts([win("A", 0, M)], [], 2 * M);
    expect(r).toMatchObject({ windows: 1, alerts: 0, recall: 0, precision: null, f1: 0 });
    expect(r.mean_time_to_detect_s).toBeNull();
    expect(r.median_time_to_detect_s).toBeNull();
    expect(JSON.parse(scoreJson({ windows: r, calls: null }))).toMatchObject({
      precision: null,
      mean_time_to_detect_s: null,
    });
  });

  it("leaves recall undefined with no windows; alerts there are all false alarms", () => {
    expect(scoreAlerts([], [at(0)], 2 * M)).toMatchObject({ recall: null, precision: 0, f1: 0 });
    const empty = scoreAlerts([], [], 2 * M);
    expect(empty).toMatchObject({ recall: null, precision: null, f1: null, mean_time_to_detect_s: null });
  });

  it("prints issue 11's seven JSON fields first, in order, then issue 22's", () => {
    const r = scoreAlerts([win("A", 0, M)], [at(S)], 0);
    const json = scoreJson({ windows: r, calls: null });
    expect(Object.keys(JSON.parse(json))).toEqual([...SCORE_JSON_FIELDS, "time_to_detect_s"]);
    expect(
      json.startsWith(
        '{"windows":1,"alerts":1,"recall":1,"precision":1,"f1":1,"mean_time_to_detect_s":1,"median_time_to_detect_s":1,',
      ),
    ).toBe(true);
  });

  it("shows undefined values as - in the text table", () => {
    const text = scoreText({ windows: scoreAlerts([win("A", 0, M)], [], 2 * M), calls: null });
    expect(text).toMatch(/^precision\s+-\s/m);
    expect(text).toMatch(/^recall\s+0\.0000\s/m);
    expect(text).toMatch(/^windows\s+1\s+0 detected$/m);
    expect(text.split("\n")[0]).toBe("tolerance 2m after each window's end");
    expect(scoreText({ windows: scoreAlerts([], [], 30 * S), calls: null }).split("\n")[0]).toBe(
      "tolerance 30s after each window's end",
    );
  });
});
