import { describe, expect, it } from "vitest";
import { generateDataset } from "../../src/daemon/generate.js";
import type { TraceEvent } from "../../src/event/index.js";
import { Engine } from "../../src/sim/engine.js";
import {
  type Arrival,
  compileWorkflow,
  generationOptions,
  OfflineArrivals,
  seedKey,
} from "../../src/sim/index.js";
import { eventsToJsonl } from "../../src/sinks/jsonl.js";
import { getPreset } from "../../src/workflow/index.js";
import { generate, MemorySink } from "./helpers.js";

describe("determinism", () => {
  it("gives byte-identical output for the same seed", async () => {
    const a = await generate({ seed: 7 });
    const b = await generate({ seed: 7 });
    expect(a.events.length).toBeGreaterThan(1000);
    expect(eventsToJsonl(a.events)).toBe(eventsToJsonl(b.events));
  });

  it("gives different output for another seed", async () => {
    const a = await generate({ seed: 7 });
    const b = await generate({ seed: 8 });
    expect(eventsToJsonl(a.events)).not.toBe(eventsToJsonl(b.events));
  });

  it("orders events by timestamp", async () => {
    const { events } = await generate();
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.timestamp >= events[i - 1]!.timestamp).toBe(true);
    }
  });

  it("does not depend on how many session starts are held in memory at once", async () => {
    const run = async (windowCapacity: number) => {
      const arrivals = new OfflineArrivals({
        key: seedKey(3),
        users: 500,
        sessionsPerUser: { mean: 3, std: 2 },
        startMs: 0,
        durationMs: 86_400_000,
        shard: { index: 0, count: 1 },
        windowCapacity,
      });
      const out: number[] = [];
      while (arrivals.peek() !== Number.POSITIVE_INFINITY) {
        const a = arrivals.take();
        out.push(a.at, a.user, a.session);
      }
      return out;
    };
    const small = await run(37);
    expect(small.length / 3).toBeGreaterThan(1000);
    expect(small).toEqual(await run(1 << 20));
  });

  it("takes every session once, by (start, user, number), each user's last one flagged", () => {
    // 40 sessions a user in 0.2 s: many of one user start in the same millisecond, the last ones too.
    const arrivals = new OfflineArrivals({
      key: seedKey(11),
      users: 300,
      sessionsPerUser: { mean: 40, std: 10 },
      startMs: 1_767_225_600_000,
      durationMs: 200,
      shard: { index: 1, count: 2 },
    });
    const taken: Arrival[] = [];
    while (arrivals.peek() !== Number.POSITIVE_INFINITY) taken.push(arrivals.take());
    expect(taken.length).toBe(arrivals.totalSessions);
    let ties = 0;
    const sessions = new Map<number, number[]>();
    for (let i = 0; i < taken.length; i++) {
      const a = taken[i]!;
      if (i > 0) {
        const b = taken[i - 1]!;
        expect(
          b.at < a.at || (b.at === a.at && (b.user < a.user || (b.user === a.user && b.session < a.session))),
        ).toBe(true);
        if (b.at === a.at && b.user === a.user) ties++;
      }
      expect(a.user % 2).toBe(1);
      sessions.set(a.user, [...(sessions.get(a.user) ?? []), a.session]);
    }
    expect(ties).toBeGreaterThan(10);
    expect(sessions.size).toBe(arrivals.totalUsers);
    for (const [user, numbers] of sessions) {
      expect([...numbers].sort((x, y) => x - y)).toEqual(numbers.map((_, i) => i));
      // The last one taken of each user, and only it, is flagged.
      const flagged = taken.filter((a) => a.user === user && a.last);
      expect(flagged).toEqual([taken.findLast((a) => a.user === user)]);
    }
  });

  it("gives every event a unique id and call indexes 0..n-1 per session", async () => {
    const { events } = await generate({
      generation: { cascade: { ...generationOptions().cascade, rate: 0.5 } },
    });
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    const next = new Map<string, number>();
    for (const e of events) {
      expect(e.call_index).toBe(next.get(e.session_id) ?? 0);
      next.set(e.session_id, e.call_index + 1);
    }
  });
});

describe("sharding", () => {
  it("the union of N shards is exactly the unsharded run, each shard in the same order", async () => {
    const whole = eventsToJsonl((await generate({ users: 200 })).events).split("\n");
    const shards = await Promise.all(
      [0, 1, 2].map((index) => generate({ users: 200, shard: { index, count: 3 } })),
    );
    const lines = shards.map((s) => eventsToJsonl(s.events).split("\n").filter(Boolean));
    for (const [k, shard] of lines.entries()) {
      for (const line of shard) expect(Number(JSON.parse(line).user_id.slice(5)) % 3).toBe(k);
      const positions = shard.map((l) => whole.indexOf(l));
      expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    }
    expect(lines.flat().sort()).toEqual(whole.filter(Boolean).sort());
  });
});

describe("sessions", () => {
  it("caps sessions at max length and ends them at exits or $end", async () => {
    const wf = getPreset("ecommerce")!;
    const { events } = await generate({ generation: { maxLength: 4 } });
    const bySession = new Map<string, string[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e.endpoint]);
    for (const calls of bySession.values()) {
      expect(calls.length).toBeLessThanOrEqual(4);
      expect(Object.keys(wf.entry_points)).toContain(calls[0]);
      for (let i = 0; i < calls.length - 1; i++) {
        expect(wf.exit_points).not.toContain(calls[i]);
        expect(wf.transitions[calls[i]!]![calls[i + 1]!]).toBeGreaterThan(0);
      }
    }
  });

  it("ends a session at an exit point even when the exit has a transitions row", async () => {
    // The seed guide's api_gateway shape: /metrics is an exit and has a row back to /health.
    const workflow = {
      name: "gw",
      entry_points: { "/health": 0.5, "/login": 0.5 },
      transitions: {
        "/health": { "/metrics": 1 },
        "/login": { "/metrics": 0.5, $end: 0.5 },
        "/metrics": { "/health": 1 },
      },
      exit_points: ["/metrics"],
    };
    const { events } = await generate({ workflow, users: 200 });
    const bySession = new Map<string, string[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e.endpoint]);
    let atMetrics = 0;
    for (const calls of bySession.values()) {
      const i = calls.indexOf("/metrics");
      if (i === -1) continue;
      atMetrics++;
      expect(i).toBe(calls.length - 1);
    }
    expect(atMetrics).toBeGreaterThan(100);
  });

  it("spreads users over the date range and draws user types from the distribution", async () => {
    const { events } = await generate({ users: 400, days: 3 });
    const days = new Set(events.map((e) => e.timestamp.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(3);
    const types = new Set(events.map((e) => e.user_type));
    expect([...types].sort()).toEqual(Object.keys(getPreset("ecommerce")!.user_type_distribution!).sort());
  });

  it("streams to the sink in batches without holding the run", async () => {
    const sink = new MemorySink();
    let calls = 0;
    const write = sink.write.bind(sink);
    sink.write = async (e) => {
      calls++;
      await write(e);
    };
    await generateDataset(
      {
        workflow: compileWorkflow(getPreset("simple")!),
        generation: generationOptions(),
        users: 5000,
        sessionsPerUser: { mean: 2, std: 0 },
        startMs: 0,
        durationMs: 86_400_000,
        shard: { index: 0, count: 1 },
      },
      sink,
    );
    expect(calls).toBeGreaterThan(1);
  });
});

describe("session streams", () => {
  it("step exactly like seedrandom's Alea from the same state", async () => {
    const { aleaNext, aleaState, seedrandomAlea } = await import("../../src/sim/rng.js");
    for (const [user, session] of [
      [0, 0],
      [17, 3],
      [123_456, 9],
    ] as const) {
      const state = aleaState(seedKey(42), user, session, 1);
      const reference = seedrandomAlea(state);
      for (let i = 0; i < 1000; i++) expect(aleaNext(state)).toBe(reference());
    }
  });
});

describe("progress", () => {
  it("counts each user done once, when its last session ends", async () => {
    const sink = new MemorySink();
    const seen: number[] = [];
    const result = await generateDataset(
      {
        workflow: compileWorkflow(getPreset("simple")!),
        generation: generationOptions(),
        users: 3000,
        sessionsPerUser: { mean: 3, std: 2 },
        startMs: 0,
        durationMs: 86_400_000,
        shard: { index: 1, count: 2 },
      },
      sink,
      { batchSize: 8192, onProgress: (p) => seen.push(p.usersDone) },
    );
    expect(result.usersTotal).toBe(1500);
    expect(result.usersDone).toBe(1500);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]!)).toBe(true);
  });
});

describe("sortPairs", () => {
  it("sorts keys with their pay, ties by pay, like a sort of the pairs, over a part or the whole", async () => {
    const { sortPairs } = await import("../../src/sim/plan.js");
    for (const n of [0, 1, 2, 17, 100, 5000]) {
      const keys = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 613) * 1e6 + (i % 7));
      const pay = Uint32Array.from({ length: n }, (_, i) => (i * 31) % 11);
      const pairs = Array.from(keys, (k, i) => [k, pay[i]!] as const);
      // The whole array, then (when there is one) a middle part only, the rest left as it was.
      const [lo, hi] = n > 4 ? [2, n - 3] : [0, n - 1];
      const want = [
        ...pairs.slice(0, lo),
        ...pairs.slice(lo, hi + 1).sort((a, b) => a[0] - b[0] || a[1] - b[1]),
        ...pairs.slice(hi + 1),
      ];
      sortPairs(keys, pay, lo, hi);
      expect(Array.from(keys, (k, i) => [k, pay[i]!])).toEqual(want);
    }
  });
});

describe("cutting sessions in flight", () => {
  it("labels every cascade that emitted a call, and only those, ending at its last touched call", () => {
    const arrivals = new OfflineArrivals({
      key: seedKey(5),
      users: 5000,
      sessionsPerUser: { mean: 2, std: 1 },
      startMs: 0,
      durationMs: 3_600_000,
      shard: { index: 0, count: 1 },
    });
    const opts = generationOptions({ seed: 5, cascade: { ...generationOptions().cascade, rate: 0.5 } });
    const injected: string[] = [];
    const engine = new Engine([compileWorkflow(getPreset("ecommerce")!)], opts, arrivals, {
      onCascadeLabel: (_s, label) => injected.push(label.cascade_id),
    });
    const events: TraceEvent[] = [];
    // Half an hour of a one-hour plan: many sessions are mid-walk.
    engine.run(1_800_000, events, Number.POSITIVE_INFINITY);
    const inFlight = engine.activeSessions;
    expect(inFlight).toBeGreaterThan(50);
    const finished = engine.labels.splice(0);
    const cut = engine.cutAll();
    expect(engine.activeSessions).toBe(0);
    expect(engine.sessionsCompleted).toBe(engine.sessionsStarted - inFlight);

    const labels = [...finished, ...cut];
    const byId = new Map(labels.map((l) => [l.cascade_id, l]));
    expect(byId.size).toBe(labels.length);
    expect(injected.sort()).toEqual([...byId.keys()].sort());
    const touched = new Map<string, TraceEvent[]>();
    for (const e of events) {
      if (e.cascade_id !== null) touched.set(e.cascade_id, [...(touched.get(e.cascade_id) ?? []), e]);
    }
    // Some cut sessions had emitted cascaded calls: the cut is what labels them.
    expect(cut.filter((l) => touched.has(l.cascade_id)).length).toBeGreaterThan(0);
    expect([...touched.keys()].sort()).toEqual([...byId.keys()].sort());
    for (const [id, calls] of touched) {
      const l = byId.get(id)!;
      expect(l.start).toBe(calls[0]!.timestamp);
      const ends = calls.map((c) => Date.parse(c.timestamp) + c.response_time_ms);
      expect(Date.parse(l.end)).toBe(Math.round(Math.max(...ends)));
    }
  });
});
