import { setTimeout as sleep } from "node:timers/promises";

/**
 * A hard cap on requests per second: each request takes the next free slot, 1/rate apart; a request
 * whose slot is in the future waits for it. `behind` says whether a new request would have to wait.
 */
export class RateLimiter {
  private next = 0;
  private readonly gap: number;

  constructor(perSecond: number) {
    this.gap = 1000 / perSecond;
  }

  /** True when the next slot is already taken: a request now would wait. */
  behind(now = performance.now()): boolean {
    return this.next > now;
  }

  /** Resolves when this request may go. */
  take(): Promise<void> | undefined {
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + this.gap;
    return at > now ? sleep(at - now) : undefined;
  }
}
