import { describe, expect, it } from "vitest";
import { CascadeTimeline } from "../../src/cascade/timeline.js";
import type { CascadeLabel } from "../../src/event/index.js";
import { cascade } from "./helpers.js";

const O = Date.parse("2026-01-01T00:00:00Z");
const M = 60_000;
const anchor = { originMs: O, seedKey: 7 };
const states = (labels: CascadeLabel[]) =>
  labels.map((l) => `${l.cascade_id} ${l.state}${l.cut ? " cut" : ""} ${(Date.parse(l.end) - O) / M}`);

function timeline(writeLabels = true) {
  const c = cascade({ name: "c", every: "10m", duration: "3m" });
  return new CascadeTimeline({ cascades: [c], anchor, writeLabels });
}

describe("the cascade timeline", () => {
  it("opens and closes each window at its instant, in order, and peeks at the next", () => {
    const t = timeline();
    const labels: CascadeLabel[] = [];
    expect(t.peek()).toBe(O + 10 * M);
    t.advance(O + 10 * M - 1, labels);
    expect(labels).toEqual([]);
    t.advance(O + 10 * M, labels);
    expect(t.open.map((w) => w.cascade_id)).toEqual(["c-0"]);
    expect(t.peek()).toBe(O + 13 * M);
    t.advance(O + 25 * M, labels);
    expect(states(labels)).toEqual(["c-0 open 13", "c-0 closed 13", "c-1 open 23", "c-1 closed 23"]);
  });

  it("stops opening at the end of the run; finish closes what is open at its scheduled end", () => {
    const t = timeline();
    const labels: CascadeLabel[] = [];
    t.stopAt(O + 21 * M);
    t.advance(O + 20 * M + 30_000, labels);
    t.finish(labels);
    expect(states(labels)).toEqual(["c-0 open 13", "c-0 closed 13", "c-1 open 23", "c-1 closed 23"]);
    expect(t.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it("cut closes open windows where the run stopped, marked cut", () => {
    const t = timeline();
    const labels: CascadeLabel[] = [];
    t.advance(O + 11 * M, labels);
    t.cut(O + 11 * M, labels);
    expect(states(labels)).toEqual(["c-0 open 13", "c-0 closed cut 11"]);
  });

  it("triggers windows now (ids c-t0, c-t1) and aborts them; unknown names and windows are refused", () => {
    const t = timeline();
    const labels: CascadeLabel[] = [];
    const w = t.trigger("c", O + M, 5 * M);
    expect(typeof w === "string" ? w : w.cascade_id).toBe("c-t0");
    expect(t.trigger("nope", O + M)).toBe('no cascade named "nope"');
    expect(t.abort("c-t0", O + M)).toBe("window c-t0 has not opened yet");
    t.advance(O + M, labels);
    const again = t.trigger("c", O + 2 * M);
    expect(typeof again === "string" ? again : again.cascade_id).toBe("c-t1");
    t.advance(O + 2 * M, labels);
    expect(typeof t.abort("c-t0", O + 3 * M)).not.toBe("string");
    t.advance(O + 3 * M, labels);
    expect(states(labels)).toEqual(["c-t0 open 6", "c-t1 open 5", "c-t0 closed 3"]);
    expect(labels.every((l) => l.triggered === true)).toBe(true);
    expect(t.abort("c-t0", O + 4 * M)).toBe("no open window c-t0");
  });

  it("a shard other than the first writes no records, yet opens the same windows", () => {
    const t = timeline(false);
    const labels: CascadeLabel[] = [];
    t.advance(O + 10 * M, labels);
    expect(labels).toEqual([]);
    expect(t.open.map((w) => w.cascade_id)).toEqual(["c-0"]);
  });
});
