import { describe, expect, it } from "vitest";
import type { WallClock } from "../../src/daemon/clock.js";
import { type DeliveryExpired, DeliveryWatch } from "../../src/daemon/delivery.js";
import { SinkSet } from "../../src/daemon/sinks.js";
import type { Sink } from "../../src/sinks/types.js";
import { makeEvents } from "../helpers/kafka-events.js";

/** A wall clock moved by hand. */
class HandWall implements WallClock {
  t = 0;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Moves to `t`, firing every timer due by then in order. */
  advance(to: number): void {
    for (;;) {
      const due = [...this.timers].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = to;
  }
}

/** A sink that accepts at once and delivers only when told: its backlog is what it was not told to deliver. */
class HeldSink implements Sink {
  readonly name = "held";
  backlog = 0;
  held = 0;
  async start() {}
  async write(events: readonly unknown[]) {
    this.backlog += events.length;
  }
  async writeLabels() {}
  async close() {}
  destroy() {}
  deliver(n: number) {
    this.backlog -= n;
  }
}

function setUp(timeoutMs = 1000) {
  const wall = new HandWall();
  const a = new HeldSink();
  const b = new HeldSink();
  const sinks = new SinkSet(
    [
      { name: "a", sink: a },
      { name: "b", sink: b },
    ],
    null,
  );
  const expired: DeliveryExpired[] = [];
  const watch = new DeliveryWatch(sinks, wall, timeoutMs, (e) => expired.push(e));
  return { wall, a, b, watch, expired };
}

describe("DeliveryWatch (delivery_timeout)", () => {
  it("fires once, when the oldest batch is still undelivered by the slowest sink after the timeout", async () => {
    const { wall, a, b, watch, expired } = setUp(1000);
    await watch.write(makeEvents(10));
    wall.advance(400);
    await watch.write(makeEvents(5));
    a.deliver(15); // one sink delivered everything; the other nothing
    wall.advance(999);
    expect(expired).toEqual([]);
    wall.advance(1000);
    // Only the sink that did not deliver is given up on; the other flushes what it holds.
    expect(expired).toEqual([{ oldestMs: 1000, undelivered: 15, stuck: ["b"] }]);
    b.deliver(15);
    wall.advance(10_000);
    expect(expired).toHaveLength(1);
    expect(wall.timers.size).toBe(0);
  });

  it("never fires while each batch is delivered within the timeout, and holds one timer", async () => {
    const { wall, a, b, watch, expired } = setUp(1000);
    for (let t = 0; t < 20_000; t += 100) {
      wall.advance(t);
      await watch.write(makeEvents(3));
      expect(wall.timers.size).toBe(1);
      // Each batch is delivered 900 ms after it was accepted: late, never too late.
      if (t >= 900) {
        a.deliver(3);
        b.deliver(3);
      }
    }
    wall.advance(20_000);
    a.deliver(a.backlog);
    b.deliver(b.backlog);
    wall.advance(30_000);
    expect(expired).toEqual([]);
    expect(wall.timers.size).toBe(0);
    await watch.write(makeEvents(1));
    watch.dispose();
    expect(wall.timers.size).toBe(0);
  });

  it("counts a batch stuck behind later ones from when it was accepted, not from the last write", async () => {
    const { wall, b, watch, expired } = setUp(1000);
    await watch.write(makeEvents(4));
    for (let t = 100; t <= 2000; t += 100) {
      wall.advance(t);
      if (expired.length > 0) break;
      await watch.write(makeEvents(1));
    }
    expect(b.backlog).toBeGreaterThan(0);
    expect(expired[0]!.oldestMs).toBe(1000);
  });

  it("does not count the age of events a sink holds by choice (a Parquet row group being filled)", async () => {
    const { wall, a, b, watch, expired } = setUp(1000);
    await watch.write(makeEvents(10));
    b.deliver(10);
    a.held = 10; // all of a's backlog: the row group it fills
    wall.advance(5000);
    await watch.write(makeEvents(5));
    b.deliver(5);
    a.held = 15;
    wall.advance(10_000);
    expect(expired).toEqual([]);
    // The row group is full and goes to a disk that never answers: now its age counts.
    a.held = 0;
    await watch.write(makeEvents(1));
    b.deliver(1);
    wall.advance(12_000);
    expect(expired).toEqual([{ oldestMs: 1000, undelivered: 16, stuck: ["a"] }]);
  });
});
