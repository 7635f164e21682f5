import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { Latch } from "../../src/daemon/latch.js";
import { SinkSet } from "../../src/daemon/sinks.js";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import type { Sink } from "../../src/sinks/types.js";
import { makeEvents } from "../helpers/kafka-events.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The live heap after full collections. */
async function liveHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** A sink that takes every write at once and delivers it (HTTP mode's small writes, with no I/O). */
function instantSink(): Sink & { taken: number } {
  return {
    name: "instant",
    taken: 0,
    backlog: 0,
    async start() {},
    async write(events: readonly TraceEvent[]) {
      this.taken += events.length;
    },
    async writeLabels(_labels: readonly CascadeLabel[]) {},
    async close() {},
    destroy() {},
  } as Sink & { taken: number };
}

describe("Latch", () => {
  it("resolves true when the work settles first, false once fired, and passes a rejection through", async () => {
    const latch = new Latch();
    await expect(latch.race(Promise.resolve())).resolves.toBe(true);
    await expect(latch.race(Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const pending = latch.race(new Promise(() => {}));
    latch.fire();
    await expect(pending).resolves.toBe(false);
    await expect(latch.race(new Promise(() => {}))).resolves.toBe(false);
    expect(latch.isFired).toBe(true);
  });

  it("a rejection after the fire is not unhandled", async () => {
    const latch = new Latch();
    let fail!: (e: Error) => void;
    const work = new Promise((_, reject) => {
      fail = reject;
    });
    const raced = latch.race(work);
    latch.fire();
    await expect(raced).resolves.toBe(false);
    fail(new Error("late"));
    await new Promise((r) => setImmediate(r));
  });
});

describe("SinkSet memory", () => {
  // A write per request (HTTP mode) raced a long-lived promise before: one reaction left on it per
  // write, ~234 B a request, until shutdown. Bound: a few bytes a write, far below one reaction.
  it("300,000 one-event writes leave the live heap where it was", async () => {
    const sink = instantSink();
    const set = new SinkSet([{ name: "a", sink }], null);
    await set.start();
    const batch = makeEvents(1, 1);
    for (let i = 0; i < 20_000; i++) await set.write(batch);
    const before = await liveHeap();
    const n = 300_000;
    for (let i = 0; i < n; i++) await set.write(batch);
    const after = await liveHeap();
    expect(sink.taken).toBe(n + 20_000);
    expect((after - before) / n).toBeLessThan(16);
    set.release();
    await set.write(batch); // after the release a write does not wait for the sink
  });
});
