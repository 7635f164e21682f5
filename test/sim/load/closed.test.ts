import { describe, expect, it } from "vitest";
import { ClosedLoad, type ClosedLoadOptions } from "../../../src/sim/load/index.js";
import { seedKey } from "../../../src/sim/rng.js";
import type { Arrival } from "../../../src/sim/session.js";
import { binomialBound } from "../helpers.js";
import { drive, tuples } from "./drive.js";

const START = Date.parse("2026-01-01T00:00:00Z");
const MIN = 60_000;

function closed(o: Partial<ClosedLoadOptions> = {}): ClosedLoad {
  return new ClosedLoad({
    key: seedKey(42),
    startMs: START,
    users: 100,
    pauseMs: 5000,
    workflows: [{ weight: 1 }],
    shard: { index: 0, count: 1 },
    ...o,
  });
}

function byUser(arrivals: readonly Arrival[]): Map<number, Arrival[]> {
  const m = new Map<number, Arrival[]>();
  for (const a of arrivals) m.set(a.user, [...(m.get(a.user) ?? []), a]);
  return m;
}

describe("ClosedLoad", () => {
  it("staggers first sessions over one pause, then loops each user with pauses in [0.5, 1.5] × pause", () => {
    const pause = 5000;
    const len = 30_000;
    const { arrivals, maxInFlight } = drive(closed({ users: 100, pauseMs: pause }), len, START + 30 * MIN);
    const users = byUser(arrivals);
    expect([...users.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(maxInFlight).toBeLessThanOrEqual(100);
    const firsts = [...users.values()].map((s) => s[0]!.at);
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(START);
    expect(Math.max(...firsts)).toBeLessThan(START + pause);
    // All starting within one pause: far from all at once.
    expect(new Set(firsts).size).toBeGreaterThan(90);
    const pauses: number[] = [];
    for (const s of users.values()) {
      s.forEach((a, k) => {
        expect(a.session).toBe(k);
        if (k > 0) pauses.push(a.at - (s[k - 1]!.at + len));
      });
    }
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(pause / 2);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(pause * 1.5);
    const mean = pauses.reduce((a, p) => a + p, 0) / pauses.length;
    expect(Math.abs(mean - pause)).toBeLessThan((5 * pause) / Math.sqrt(12 * pauses.length) + 1);
  });

  it("never has more than `users` sessions in flight, and keeps nearly all of them busy", () => {
    const load = closed({ users: 200, pauseMs: 1000 });
    const { maxInFlight, inFlight } = drive(load, 60_000, START + 60 * MIN);
    expect(maxInFlight).toBe(200);
    expect(load.activeUsers).toBe(200);
    expect(inFlight.length).toBeLessThanOrEqual(200);
  });

  it("picks each user's workflow by weight and keeps it, with one type draw per user", () => {
    const { arrivals } = drive(
      closed({ users: 2000, workflows: [{ weight: 1 }, { weight: 3 }] }),
      MIN,
      START + 10 * MIN,
    );
    const users = byUser(arrivals);
    let mixed = 0;
    for (const s of users.values())
      if (s.some((a) => a.workflow !== s[0]!.workflow || a.typeU !== s[0]!.typeU)) mixed++;
    expect(mixed).toBe(0);
    const ones = [...users.values()].filter((s) => s[0]!.workflow === 1).length;
    expect(Math.abs(ones - 0.75 * 2000)).toBeLessThan(binomialBound(2000, 0.75));
  });

  it("is deterministic, and the union of 3 shards is exactly the unsharded run", () => {
    const o = { users: 301, pauseMs: 7000, workflows: [{ weight: 2 }, { weight: 1 }] };
    const until = START + 20 * MIN;
    const whole = drive(closed(o), 45_000, until).arrivals;
    expect(drive(closed(o), 45_000, until).arrivals).toEqual(whole);
    const parts = [0, 1, 2].map(
      (index) => drive(closed({ ...o, shard: { index, count: 3 } }), 45_000, until).arrivals,
    );
    parts.forEach((p, index) => {
      expect(p.every((a) => a.user % 3 === index)).toBe(true);
    });
    expect(parts.map((p) => new Set(p.map((a) => a.user)).size)).toEqual([101, 100, 100]);
    expect(tuples(parts.flat())).toEqual(tuples(whole));
  });

  it("stopAt: no session starts at or after the stop; users drain to 0", () => {
    const load = closed({ users: 50 });
    const stop = START + 10 * MIN;
    load.stopAt(stop);
    const { arrivals, inFlight } = drive(load, 40_000, Number.POSITIVE_INFINITY);
    expect(arrivals.length).toBeGreaterThan(50 * 10);
    expect(Math.max(...arrivals.map((a) => a.at))).toBeLessThan(stop);
    expect(inFlight).toEqual([]);
    expect(load.activeUsers).toBe(0);
    expect(load.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it("setUsers: growing starts new users within one pause after the change", () => {
    const load = closed({ users: 100, pauseMs: 5000 });
    const len = 30_000;
    const first = drive(load, len, START + 10 * MIN);
    const change = START + 10 * MIN;
    load.setUsers(150, change);
    const after = drive(load, len, START + 20 * MIN, first.inFlight);
    const fresh = after.arrivals.filter((a) => a.user >= 100);
    expect(new Set(fresh.map((a) => a.user)).size).toBe(50);
    const firsts = [...byUser(fresh).values()].map((s) => s[0]!);
    expect(firsts.every((a) => a.session === 0 && a.at >= change && a.at < change + 5000)).toBe(true);
    expect(after.maxInFlight).toBeLessThanOrEqual(150);
    expect(load.activeUsers).toBe(150);
  });

  it("setUsers: shrinking lets users beyond n finish their session and start no other", () => {
    const load = closed({ users: 100, pauseMs: 5000 });
    const len = 30_000;
    const first = drive(load, len, START + 10 * MIN);
    const change = START + 10 * MIN;
    load.setUsers(20, change);
    // Every session in flight, plus the users below 20 who are pausing.
    const busyBelow = first.inFlight.filter((a) => a.user < 20).length;
    expect(load.activeUsers).toBe(first.inFlight.length + 20 - busyBelow);
    const after = drive(load, len, START + 20 * MIN, first.inFlight);
    expect(after.arrivals.length).toBeGreaterThan(100);
    expect(after.arrivals.every((a) => a.user < 20)).toBe(true);
    expect(after.maxInFlight).toBeLessThanOrEqual(first.inFlight.length + 20 - busyBelow);
    expect(load.activeUsers).toBe(20);
  });

  it("setUsers: a user dropped while in a session and added back before it ends is queued once", () => {
    const load = closed({ users: 10, pauseMs: 1000 });
    const len = 60_000;
    const first = drive(load, len, START + 30_000);
    expect(first.inFlight.length).toBe(10);
    load.setUsers(5, START + 30_000);
    load.setUsers(10, START + 31_000);
    expect(load.activeUsers).toBe(10);
    const after = drive(load, len, START + 10 * MIN, first.inFlight);
    expect(after.maxInFlight).toBe(10);
    for (const s of byUser([...first.arrivals, ...after.arrivals]).values()) {
      expect(s.map((a) => a.session)).toEqual(s.map((_, k) => k));
    }
  });

  it("holds a million waiting users in typed arrays", () => {
    const before = process.memoryUsage();
    const load = closed({ users: 1_000_000, pauseMs: 60_000 });
    const after = process.memoryUsage();
    expect(load.activeUsers).toBe(1_000_000);
    const grown = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    // 12 bytes in the heap, 5 of per-user state: about 17 MB; objects per user would cost several times that.
    expect(grown).toBeLessThan(40e6);
    const a = load.take();
    expect(a.at).toBeLessThanOrEqual(load.peek());
    expect(a.at).toBeLessThan(START + 60_000);
  });
});
