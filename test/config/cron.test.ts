import { describe, expect, it } from "vitest";
import { countCronFirings, nextCronAt, parseCron } from "../../src/config/cron.js";

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00Z"); // a Thursday

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString().slice(0, 16));

describe("parseCron", () => {
  it("expands *, lists, ranges and steps", () => {
    const c = parseCron("*/15 1,2 1-3 */6 0-6/3");
    expect(c.minutes).toEqual([0, 15, 30, 45]);
    expect(c.hours).toEqual([1, 2]);
    expect([...c.days]).toEqual([1, 2, 3]);
    expect([...c.months]).toEqual([1, 7]);
    expect([...c.weekdays]).toEqual([0, 3, 6]);
  });

  it("says which field is wrong", () => {
    expect(() => parseCron("* * * *")).toThrow(/5 fields/);
    expect(() => parseCron("60 * * * *")).toThrow(/minute "60"/);
    expect(() => parseCron("* 5-2 * * *")).toThrow(/hour "5-2"/);
    expect(() => parseCron("*/0 * * * *")).toThrow(/step >= 1/);
    expect(() => parseCron("* * 0 * *")).toThrow(/day of month "0"/);
    expect(() => parseCron("* * * * mon")).toThrow(/day of week "mon"/);
  });
});

describe("nextCronAt", () => {
  it("finds the next minute at or after an instant, rounding up to whole minutes", () => {
    const c = parseCron("30 9 * * *");
    expect(iso(nextCronAt(c, T0))).toBe("2026-01-01T09:30");
    expect(iso(nextCronAt(c, T0 + 9 * 60 * MIN + 30 * MIN))).toBe("2026-01-01T09:30");
    expect(iso(nextCronAt(c, T0 + 9 * 60 * MIN + 30 * MIN + 1))).toBe("2026-01-02T09:30");
  });

  it("treats 7 as Sunday and ORs day of month with day of week when both are given", () => {
    expect(iso(nextCronAt(parseCron("0 0 * * 7"), T0))).toBe("2026-01-04T00:00");
    // The 10th, or any Monday: Monday 5 January comes first.
    expect(iso(nextCronAt(parseCron("0 0 10 * 1"), T0))).toBe("2026-01-05T00:00");
    expect(iso(nextCronAt(parseCron("0 0 29 2 *"), T0))).toBe("2028-02-29T00:00");
  });
});

describe("countCronFirings", () => {
  it("counts across partial and whole days the same as walking minute by minute", () => {
    const c = parseCron("*/7 */5 * * 1-5");
    const from = T0 + 13 * 60 * MIN + 11 * MIN;
    const to = from + 9 * DAY + 77 * MIN;
    let walked = 0;
    for (let t = nextCronAt(c, from); t !== undefined && t < to; t = nextCronAt(c, t + MIN)) walked++;
    expect(countCronFirings(c, from, to)).toBe(walked);
    expect(countCronFirings(c, from, from + 3 * MIN)).toBe(0);
    expect(countCronFirings(parseCron("* * * * *"), T0, T0 + DAY)).toBe(1440);
  });
});
