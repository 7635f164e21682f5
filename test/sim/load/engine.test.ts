import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../../src/event/index.js";
import { compileWorkflow } from "../../../src/sim/compile.js";
import { Engine } from "../../../src/sim/engine.js";
import { ClosedLoad, OpenLoad } from "../../../src/sim/load/index.js";
import { generationOptions } from "../../../src/sim/options.js";
import { seedKey } from "../../../src/sim/rng.js";
import { getPreset } from "../../../src/workflow/index.js";

const START = Date.parse("2026-01-01T00:00:00Z");
const HOUR = 3_600_000;

function run(load: ClosedLoad | OpenLoad, until: number) {
  const wf = compileWorkflow(getPreset("simple")!);
  let maxSessions = 0;
  const engine = new Engine([wf], generationOptions({ seed: 42 }), load, {
    onSessionStart: () => {
      // The session starting is not in the engine's queue yet.
      maxSessions = Math.max(maxSessions, engine.activeSessions + 1);
    },
    onSessionEnd: (s) => load.onSessionEnd(s),
  });
  const events: TraceEvent[] = [];
  engine.run(until, events, 2_000_000);
  return { engine, events, maxSessions };
}

function inTimeOrder(events: readonly TraceEvent[]): boolean {
  return events.every((e, i) => i === 0 || e.timestamp >= events[i - 1]!.timestamp);
}

describe("load models driving the real Engine", () => {
  it("closed: events in time order, never more sessions in flight than users, one session per user at a time", () => {
    const users = 40;
    const load = new ClosedLoad({
      key: seedKey(42),
      startMs: START,
      users,
      pauseMs: 5000,
      workflows: [{ weight: 1 }],
      shard: { index: 0, count: 1 },
    });
    const { engine, events, maxSessions } = run(load, START + 2 * HOUR);
    expect(events.length).toBeGreaterThan(5000);
    expect(inTimeOrder(events)).toBe(true);
    expect(maxSessions).toBeLessThanOrEqual(users);
    expect(maxSessions).toBeGreaterThan(users / 2);
    expect(engine.sessionsStarted).toBeGreaterThan(users * 3);
    expect(load.activeUsers).toBe(users);
    // Per user, a session starts only after the previous one's last call.
    const last = new Map<string, { session: string; at: string }>();
    let overlaps = 0;
    for (const e of events) {
      const prev = last.get(e.user_id);
      if (prev && prev.session !== e.session_id && e.call_index > 0) overlaps++;
      if (prev && prev.session !== e.session_id && e.timestamp < prev.at) overlaps++;
      last.set(e.user_id, { session: e.session_id, at: e.timestamp });
    }
    expect(overlaps).toBe(0);
  });

  it("open: the engine runs later sessions of a user after a gap and stops at stopAt", () => {
    const load = new OpenLoad({
      key: seedKey(42),
      startMs: START,
      arrivalRate: 0.2,
      stages: [],
      sessionsPerUser: { mean: 3, std: 1 },
      sessionGapMs: 10 * 60_000,
      workflows: [{ weight: 1 }],
      shard: { index: 0, count: 1 },
    });
    load.stopAt(START + HOUR);
    const { engine, events } = run(load, Number.POSITIVE_INFINITY);
    expect(inTimeOrder(events)).toBe(true);
    expect(engine.finished).toBe(true);
    expect(load.activeUsers).toBe(0);
    expect(events.some((e) => e.session_id.endsWith("-2"))).toBe(true);
    expect(engine.sessionsCompleted).toBe(engine.sessionsStarted);
  });
});
