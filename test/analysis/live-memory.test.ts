import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { LiveVerifier, type PathEvent } from "../../src/analysis/index.js";
import { simpleWorkflow, walk } from "./walker.js";

// Live verify reads a topic for days: what it keeps must not grow with what it has read. A day of
// sessions goes through one LiveVerifier in process; the heap after GC at the end stays within a
// bound of the heap after GC a quarter of the way in.

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A day at 2 sessions per second. */
const SESSIONS = 172_800;
const PER_USER = 3;
/** Remembered per generation: small, so that every table fills and turns over early in the day. */
const MEMORY = 8192;

describe("live verify over a day of sessions", () => {
  it("keeps its memory flat, counts bad records without stopping, and keeps its verdict", () => {
    const w = simpleWorkflow();
    const v = new LiveVerifier(w, { alpha: 0.001, maxLength: 50, strict: false, memory: MEMORY });
    // mulberry32: a fast seeded stream (seedrandom would take most of the test's time).
    let seed = 20260101;
    const rng = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    let userType = "";
    let quarter = 0;
    for (let s = 0; s < SESSIONS; s++) {
      const user = Math.floor(s / PER_USER);
      if (s % PER_USER === 0) userType = rng() < 0.5 ? "new" : rng() < 0.8 ? "returning" : "power";
      const base = {
        workflow: w.name,
        user_id: `user-${user}`,
        user_type: userType,
        session_id: `s-${s}`,
      };
      const path = walk(w, rng, 50);
      // One session in a hundred was joined mid-way (its first calls were before the reader started).
      const from = s % 100 === 7 && path.length > 1 ? 1 : 0;
      for (let i = from; i < path.length; i++) {
        const e: PathEvent = { ...base, call_index: i, endpoint: path[i]!, is_retry: false };
        v.addEvent(e, "t/0");
        // At-least-once delivery: now and then a call comes twice.
        if (s % 50 === 3) v.addEvent(e, "t/0");
        // Once, a call_index twice at two endpoints: a bad record, counted, never fatal without --strict.
        if (s === 1000 && i === 0) v.addEvent({ ...e, endpoint: "/about" }, "t/0@bad");
      }
      if (s === SESSIONS / 4) quarter = heapAfterGc();
    }
    const end = heapAfterGc();
    const report = v.report();
    expect(v.badRecords).toBe(1);
    expect(v.firstBad[0]!.where).toBe("t/0@bad");
    expect(report.tally.duplicates).toBeGreaterThan(0);
    expect(report.tally.sessions).toBeGreaterThan(SESSIONS * 0.98);
    expect(report.tally.joinedLate).toBeGreaterThan(0);
    expect(report.consistent, report.reasons.join("; ")).toBe(true);
    // Unbounded, three quarters of the day would keep ~100 bytes per session (~13 MB).
    expect(end - quarter, `heap grew from ${quarter} to ${end} bytes`).toBeLessThan(3 * 2 ** 20);
  }, 120_000);
});
