import { describe, expect, it } from "vitest";
import { nextWindowAfter, planWindows, triggeredWindow, windowsFrom } from "../../src/cascade/index.js";
import { seedKey } from "../../src/sim/rng.js";
import { cascade } from "./helpers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ORIGIN = Date.parse("2026-01-01T00:00:00Z");
const anchor = { originMs: ORIGIN, seedKey: seedKey(42) };
const day = { ...anchor, startMs: ORIGIN, endMs: ORIGIN + DAY };

describe("planWindows", () => {
  it("opens every/offset windows at exactly origin + offset + n·every", () => {
    const c = cascade({ name: "pay", every: "30m", offset: "5m", duration: "5m", ramp: "1m" });
    const ws = planWindows([c], day);
    expect(ws).toHaveLength(48);
    ws.forEach((w, n) => {
      expect(w).toMatchObject({ cascade_id: `pay-${n}`, name: "pay", index: n, ramp: MIN, triggered: false });
      expect(w.start).toBe(ORIGIN + 5 * MIN + n * 30 * MIN);
      expect(w.end).toBe(w.start + 5 * MIN);
    });
  });

  it("defaults the offset to every", () => {
    const ws = planWindows([cascade({ name: "a", every: "6h", duration: "5m" })], day);
    expect(ws.map((w) => (w.start - ORIGIN) / HOUR)).toEqual([6, 12, 18]);
  });

  it("opens `at` windows at their offsets from the origin, numbered in time order", () => {
    const ws = planWindows([cascade({ name: "a", at: ["2h30m", "10m"], duration: "5m" })], day);
    expect(ws.map((w) => [w.cascade_id, w.start - ORIGIN])).toEqual([
      ["a-0", 10 * MIN],
      ["a-1", 150 * MIN],
    ]);
  });

  it("opens `*/30 * * * *` cron windows at :00 and :30, 48 over a day", () => {
    const ws = planWindows([cascade({ name: "c", cron: "*/30 * * * *", duration: "5m" })], day);
    expect(ws).toHaveLength(48);
    ws.forEach((w, n) => {
      expect(w.start).toBe(ORIGIN + n * 30 * MIN);
      expect(w.cascade_id).toBe(`c-${n}`);
    });
  });

  it("reads cron lists, ranges and steps in UTC", () => {
    const ws = planWindows([cascade({ name: "c", cron: "15,45 9-17/4 * * *", duration: "5m" })], day);
    expect(ws.map((w) => new Date(w.start).toISOString().slice(11, 16))).toEqual([
      "09:15",
      "09:45",
      "13:15",
      "13:45",
      "17:15",
      "17:45",
    ]);
    // 2026-01-01 is a Thursday (4): a weekday-only cron skips the weekend.
    const week = { ...anchor, startMs: ORIGIN, endMs: ORIGIN + 7 * DAY };
    const weekdays = planWindows([cascade({ name: "w", cron: "0 12 * * 1-5", duration: "5m" })], week);
    expect(weekdays.map((w) => new Date(w.start).getUTCDay())).toEqual([4, 5, 1, 2, 3]);
  });

  it("numbers cron windows from the origin even when asked a year ahead", () => {
    const every = cascade({ name: "m", cron: "* * * * *", duration: "1m" });
    const far = ORIGIN + 365 * DAY + 90 * MIN + 1;
    expect(nextWindowAfter([every], anchor, far)).toMatchObject({
      cascade_id: `m-${365 * 24 * 60 + 91}`,
      start: ORIGIN + 365 * DAY + 91 * MIN,
    });
    // Weekdays at noon: 2026-01-01 is a Thursday, so the first 5 weeks hold 2 + 5·4 + 3 = 25 firings.
    const noon = cascade({ name: "w", cron: "0 12 * * 1-5", duration: "5m" });
    const after = nextWindowAfter([noon], anchor, ORIGIN + 35 * DAY);
    expect(after?.cascade_id).toBe("w-25");
    const all = planWindows([noon], { ...anchor, startMs: ORIGIN, endMs: after!.start + 1 });
    expect(all.at(-1)).toEqual(after);
  });

  it("gives the same windows and ids over a day as over its two halves, for every kind", () => {
    const cs = [
      cascade({ name: "e", every: "7m", offset: "3m", duration: "2m" }),
      cascade({ name: "a", at: ["11h59m", "12h", "12h1m"], duration: "5m" }),
      cascade({ name: "c", cron: "*/13 * * * *", duration: "1m" }),
    ];
    const whole = planWindows(cs, day);
    const mid = ORIGIN + 12 * HOUR + 17_001;
    const halves = [...planWindows(cs, { ...day, endMs: mid }), ...planWindows(cs, { ...day, startMs: mid })];
    expect(halves).toEqual(whole);
    expect(new Set(whole.map((w) => w.cascade_id)).size).toBe(whole.length);
    for (let i = 1; i < whole.length; i++)
      expect(whole[i]!.start).toBeGreaterThanOrEqual(whole[i - 1]!.start);
  });

  it("answers the next window after t lazily, even for an endless schedule far ahead", () => {
    const c = cascade({ name: "e", every: "30m", duration: "5m" });
    const far = ORIGIN + 365 * DAY + 1;
    const next = nextWindowAfter([c], anchor, far);
    const n = 365 * 48;
    expect(next).toMatchObject({ cascade_id: `e-${n}`, start: ORIGIN + (n + 1) * 30 * MIN });
    const it = windowsFrom([c], anchor, ORIGIN);
    expect([it.next().value?.cascade_id, it.next().value?.cascade_id]).toEqual(["e-0", "e-1"]);
    expect(nextWindowAfter([cascade({ name: "a", at: ["1m"], duration: "1m" })], anchor, ORIGIN + HOUR)).toBe(
      undefined,
    );
  });

  it("builds a triggered window of the same shape, its ramp at most half its length", () => {
    const c = cascade({ name: "pay", every: "1h", duration: "10m", ramp: "5m" });
    const w = triggeredWindow(c, anchor.seedKey, 0, ORIGIN + 7, 4 * MIN);
    const scheduled = planWindows([c], day)[0]!;
    expect(Object.keys(w).sort()).toEqual(Object.keys(scheduled).sort());
    expect(w).toMatchObject({
      cascade_id: "pay-t0",
      start: ORIGIN + 7,
      end: ORIGIN + 7 + 4 * MIN,
      ramp: 2 * MIN,
    });
    expect(w.key).toBe(scheduled.key);
  });
});
