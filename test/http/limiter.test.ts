import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/http/limiter.js";

/** Timers alive in this process now (the test runner's own come and go: bounds, not equalities). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("RateLimiter", () => {
  it("queues waiting requests behind one timer and lets each go in order, never before its slot", async () => {
    const limiter = new RateLimiter(2000); // a slot every 0.5 ms
    const before = timers();
    const t0 = performance.now();
    const order: number[] = [];
    const at: number[] = [];
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const w = limiter.take();
      if (w === undefined) {
        order.push(i);
        at.push(performance.now());
        continue;
      }
      waits.push(
        w.then(() => {
          order.push(i);
          at.push(performance.now());
        }),
      );
    }
    expect(limiter.waiting).toBeGreaterThan(250);
    expect(timers() - before).toBeLessThanOrEqual(1);
    await Promise.all(waits);
    expect(order).toEqual([...Array(300).keys()]);
    // Request i's slot is i/2 ms after the first.
    for (let i = 0; i < 300; i++) expect(at[i]! - t0, `request ${i}`).toBeGreaterThanOrEqual(i * 0.5 - 0.5);
    expect(limiter.timerSet).toBe(false);
    expect(timers() - before).toBeLessThanOrEqual(0);
  });

  it("close drops the waiting requests and the timer: nothing keeps the process alive", () => {
    const limiter = new RateLimiter(1); // a slot a second: every request but the first waits
    const before = timers();
    expect(limiter.take()).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(limiter.take()).toBeInstanceOf(Promise);
    expect(limiter.waiting).toBe(50);
    expect(timers() - before).toBeLessThanOrEqual(1);
    limiter.close();
    expect(limiter.waiting).toBe(0);
    expect(limiter.timerSet).toBe(false);
    expect(timers() - before).toBeLessThanOrEqual(0);
    // After close a request never gets a slot, and sets no timer for it.
    expect(limiter.take()).toBeInstanceOf(Promise);
    expect(timers() - before).toBeLessThanOrEqual(0);
  });
});
