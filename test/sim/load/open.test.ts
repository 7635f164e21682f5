import { describe, expect, it } from "vitest";
import { OpenLoad, type OpenLoadOptions } from "../../../src/sim/load/index.js";
import { seedKey } from "../../../src/sim/rng.js";
import { binomialBound } from "../helpers.js";
import { drive, poissonBound, takeUntil, tuples } from "./drive.js";

const START = Date.parse("2026-01-01T00:00:00Z");
const HOUR = 3_600_000;

function open(o: Partial<OpenLoadOptions> = {}): OpenLoad {
  return new OpenLoad({
    key: seedKey(42),
    startMs: START,
    arrivalRate: 1,
    stages: [],
    sessionsPerUser: { mean: 1, std: 0 },
    sessionGapMs: 30 * 60_000,
    workflows: [{ weight: 1 }],
    shard: { index: 0, count: 1 },
    ...o,
  });
}

function countIn(ats: readonly number[], from: number, to: number): number {
  return ats.filter((t) => t >= from && t < to).length;
}

describe("OpenLoad: Poisson arrivals", () => {
  it("gives λT arrivals over a long window, with exponential inter-arrival times", () => {
    const rate = 0.5;
    const span = 48 * HOUR;
    const arrivals = takeUntil(open({ arrivalRate: rate }), START + span);
    const expected = (rate * span) / 1000;
    expect(Math.abs(arrivals.length - expected)).toBeLessThan(poissonBound(expected));
    const gaps = arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at);
    const meanGap = 1000 / rate;
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    // Timestamps are whole milliseconds: allow 1 ms beyond 5 standard errors of the mean.
    expect(Math.abs(mean - meanGap)).toBeLessThan((5 * meanGap) / Math.sqrt(gaps.length) + 1);
    const longer = gaps.filter((g) => g > meanGap).length;
    expect(Math.abs(longer - gaps.length * Math.exp(-1))).toBeLessThan(
      binomialBound(gaps.length, Math.exp(-1)),
    );
  });

  it("numbers users 0, 1, 2… in arrival order, in time order, from the start", () => {
    const arrivals = takeUntil(open({ arrivalRate: 5 }), START + HOUR);
    expect(arrivals.map((a) => a.user)).toEqual(arrivals.map((_, i) => i));
    expect(arrivals.every((a, i) => i === 0 || a.at >= arrivals[i - 1]!.at)).toBe(true);
    expect(arrivals[0]!.at).toBeGreaterThanOrEqual(START);
    expect(arrivals.every((a) => a.session === 0 && Number.isInteger(a.at))).toBe(true);
  });

  it("ramps like k6: a linear stage brings the integral of its rate, then its target holds", () => {
    const load = open({ arrivalRate: 0, stages: [{ durationMs: HOUR, target: 10 }] });
    const ats = takeUntil(load, START + 2 * HOUR).map((a) => a.at);
    const checks: [number, number, number][] = [
      [0, HOUR / 2, 0.5 * 5 * 1800], // rate 0 → 5 over half an hour
      [HOUR / 2, HOUR, 0.5 * (5 + 10) * 1800],
      [HOUR, 2 * HOUR, 10 * 3600],
    ];
    for (const [from, to, expected] of checks) {
      expect(Math.abs(countIn(ats, START + from, START + to) - expected)).toBeLessThan(
        poissonBound(expected),
      );
    }
  });

  it("shapes hourly counts by the daily curve (UTC hours)", () => {
    const curve = Array.from({ length: 24 }, (_, h) => (h < 6 ? 0.1 : h >= 12 && h < 18 ? 2 : 1));
    const days = 2;
    const ats = takeUntil(open({ arrivalRate: 1, dailyCurve: curve }), START + days * 24 * HOUR).map(
      (a) => a.at,
    );
    const perHour = new Array<number>(24).fill(0);
    for (const t of ats) perHour[new Date(t).getUTCHours()]!++;
    for (let h = 0; h < 24; h++) {
      const expected = curve[h]! * 3600 * days;
      expect(Math.abs(perHour[h]! - expected)).toBeLessThan(poissonBound(expected));
    }
    expect(perHour[3]!).toBeLessThan(perHour[14]! / 10);
  });

  it("has no arrival while the rate is 0, and none at all once it is 0 forever", () => {
    expect(open({ arrivalRate: 0 }).peek()).toBe(Number.POSITIVE_INFINITY);
    expect(open({ arrivalRate: 3, dailyCurve: new Array(24).fill(0) }).peek()).toBe(Number.POSITIVE_INFINITY);
    const down = open({ arrivalRate: 5, stages: [{ durationMs: 60_000, target: 0 }] });
    const arrivals = takeUntil(down, Number.POSITIVE_INFINITY);
    expect(Math.abs(arrivals.length - 150)).toBeLessThan(poissonBound(150));
    expect(arrivals.every((a) => a.at < START + 60_000)).toBe(true);
    const late = open({
      arrivalRate: 0,
      stages: [
        { durationMs: HOUR, target: 0 },
        { durationMs: 0, target: 2 },
      ],
    });
    expect(late.peek()).toBeGreaterThanOrEqual(START + HOUR);
  });

  it("is a pure function of its inputs: same key, same sequence; another key, another", () => {
    const o = {
      arrivalRate: 1,
      stages: [{ durationMs: HOUR, target: 2 }],
      sessionsPerUser: { mean: 3, std: 2 },
    };
    const a = drive(open(o), 60_000, START + 3 * HOUR).arrivals;
    const b = drive(open(o), 60_000, START + 3 * HOUR).arrivals;
    expect(a.length).toBeGreaterThan(5000);
    expect(b).toEqual(a);
    const c = drive(open({ ...o, key: seedKey(43) }), 60_000, START + 3 * HOUR).arrivals;
    expect(tuples(c)).not.toEqual(tuples(a));
  });

  it("splits into shards whose union is exactly the unsharded run", () => {
    const o = {
      arrivalRate: 1,
      stages: [{ durationMs: HOUR, target: 3 }],
      dailyCurve: Array.from({ length: 24 }, (_, h) => 1 + (h % 3)),
      sessionsPerUser: { mean: 2, std: 1 },
      sessionGapMs: 10 * 60_000,
      workflows: [{ weight: 1 }, { weight: 3 }],
    };
    const until = START + 3 * HOUR;
    const whole = drive(open(o), 90_000, until).arrivals;
    const parts = [0, 1, 2].map(
      (index) => drive(open({ ...o, shard: { index, count: 3 } }), 90_000, until).arrivals,
    );
    parts.forEach((p, index) => {
      expect(p.every((a) => a.user % 3 === index)).toBe(true);
    });
    expect(whole.length).toBeGreaterThan(10_000);
    expect(tuples(parts.flat())).toEqual(tuples(whole));
  });
});

describe("OpenLoad: sessions per user", () => {
  it("runs max(1, round(normal(mean, std))) sessions per user, each a gap in [0.5, 1.5] × session_gap after the last", () => {
    const gapMs = 20 * 60_000;
    const len = 60_000;
    const load = open({ arrivalRate: 1, sessionsPerUser: { mean: 3, std: 1 }, sessionGapMs: gapMs });
    load.stopAt(START + 2 * HOUR);
    const { arrivals } = drive(load, len, Number.POSITIVE_INFINITY);
    expect(load.activeUsers).toBe(0);
    const byUser = new Map<number, number[]>();
    for (const a of arrivals) {
      const list = byUser.get(a.user) ?? [];
      expect(a.session).toBe(list.length);
      list.push(a.at);
      byUser.set(a.user, list);
    }
    // Count only users whose whole plan fits before the stop (arrived in the first 40 minutes).
    const early = [...byUser.entries()].filter(([, ats]) => ats[0]! < START + 40 * 60_000);
    const counts = early.map(([, ats]) => ats.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    const mean = counts.reduce((s, n) => s + n, 0) / counts.length;
    // Clamping at 1 adds under 0.01 to the mean of the rounded normal.
    expect(Math.abs(mean - 3)).toBeLessThan(5 / Math.sqrt(counts.length) + 0.01);
    const gaps = early.flatMap(([, ats]) => ats.slice(1).map((t, k) => t - (ats[k]! + len)));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(gapMs / 2);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(gapMs * 1.5);
    const gapMean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(Math.abs(gapMean - gapMs)).toBeLessThan((5 * gapMs) / Math.sqrt(12 * gaps.length) + 1);
  });

  it("picks each user's workflow by weight, once per user", () => {
    const load = open({
      arrivalRate: 2,
      sessionsPerUser: { mean: 3, std: 0 },
      workflows: [{ weight: 1 }, { weight: 3 }],
    });
    const { arrivals } = drive(load, 60_000, START + 6 * HOUR);
    const wf = new Map<number, number>();
    let changed = 0;
    for (const a of arrivals) {
      if ((wf.get(a.user) ?? a.workflow) !== a.workflow) changed++;
      wf.set(a.user, a.workflow);
    }
    expect(changed).toBe(0);
    expect(arrivals.length).toBeGreaterThan(2 * wf.size);
    const ones = [...wf.values()].filter((w) => w === 1).length;
    expect(Math.abs(ones - 0.75 * wf.size)).toBeLessThan(binomialBound(wf.size, 0.75));
  });
});

describe("OpenLoad: run-time control", () => {
  it("setRate: the rate from the given instant on is the new one, and stages stop applying", () => {
    const load = open({ arrivalRate: 10, stages: [{ durationMs: 4 * HOUR, target: 100 }] });
    const first = takeUntil(load, START + HOUR);
    load.peek(); // the lookahead already holds an arrival past the change: it must be re-drawn
    load.setRate(2, START + HOUR);
    const restArrivals = takeUntil(load, START + 3 * HOUR);
    const rest = restArrivals.map((a) => a.at);
    const before = 0.5 * (10 + 32.5) * 3600;
    expect(Math.abs(first.length - before)).toBeLessThan(poissonBound(before));
    expect(Math.abs(rest.length - 2 * 7200)).toBeLessThan(poissonBound(2 * 7200));
    expect(rest[0]!).toBeGreaterThanOrEqual(START + HOUR);
    // User numbers go on from where the first hour left them.
    expect(restArrivals[0]!.user).toBe(first.length);
    load.setRate(0, START + 3 * HOUR);
    expect(load.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it("stopAt: no arrival at or after the stop, later sessions included", () => {
    const load = open({ arrivalRate: 2, sessionsPerUser: { mean: 4, std: 0 }, sessionGapMs: 60_000 });
    const stop = START + HOUR;
    load.stopAt(stop);
    const { arrivals, inFlight } = drive(load, 30_000, Number.POSITIVE_INFINITY);
    expect(arrivals.length).toBeGreaterThan(5000);
    expect(Math.max(...arrivals.map((a) => a.at))).toBeLessThan(stop);
    expect(arrivals.some((a) => a.session > 0)).toBe(true);
    expect(inFlight).toEqual([]);
    expect(load.peek()).toBe(Number.POSITIVE_INFINITY);
    expect(load.activeUsers).toBe(0);
  });

  it("stopAt drops later sessions already waiting, and counts active users", () => {
    const load = open({ arrivalRate: 2, sessionsPerUser: { mean: 4, std: 0 }, sessionGapMs: 10 * 60_000 });
    const { inFlight } = drive(load, 30_000, START + HOUR);
    expect(load.activeUsers).toBeGreaterThan(inFlight.length);
    load.stopAt(START + HOUR);
    expect(load.activeUsers).toBe(inFlight.length);
    expect(load.peek()).toBe(Number.POSITIVE_INFINITY);
  });
});
