import type { WallClock } from "./clock.js";
import { Latch } from "./latch.js";

/**
 * A wall-clock instant that may be set later (a shutdown signal) and only moved earlier, which work
 * can be raced against (see Latch). Its owner disposes of it, which clears its timer.
 */
export class Deadline {
  private at = Number.POSITIVE_INFINITY;
  private timer: unknown = null;
  private readonly passed = new Latch();
  private readonly fire = () => this.passed.fire();

  constructor(private readonly wall: WallClock) {}

  /** True once a deadline is set. */
  get isSet(): boolean {
    return this.at !== Number.POSITIVE_INFINITY;
  }

  /** Sets the deadline `ms` from now, unless an earlier one is set already. */
  set(ms: number): void {
    const at = this.wall.now() + ms;
    if (at >= this.at) return;
    this.at = at;
    if (this.timer !== null) this.wall.clearTimeout(this.timer);
    this.timer = this.wall.setTimeout(this.fire, Math.min(Math.max(0, ms), 2 ** 31 - 1));
  }

  /** Resolves true when `work` settles first (its rejection passes through), false when the deadline passes first. */
  race(work: Promise<unknown>): Promise<boolean> {
    return this.passed.race(work);
  }

  dispose(): void {
    if (this.timer !== null) this.wall.clearTimeout(this.timer);
    this.timer = null;
  }
}
