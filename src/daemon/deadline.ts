import type { WallClock } from "./clock.js";

/**
 * A wall-clock instant that may be set later (a shutdown signal) and only moved earlier, with a
 * promise that settles when it passes. Its owner disposes of it, which clears its timer.
 */
export class Deadline {
  private at = Number.POSITIVE_INFINITY;
  private timer: unknown = null;
  private fire!: () => void;
  /** Resolves when the deadline passes; never while it is unset. */
  readonly passed: Promise<void>;

  constructor(private readonly wall: WallClock) {
    this.passed = new Promise((resolve) => {
      this.fire = resolve;
    });
  }

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
    return Promise.race([work.then(() => true), this.passed.then(() => false)]);
  }

  dispose(): void {
    if (this.timer !== null) this.wall.clearTimeout(this.timer);
    this.timer = null;
  }
}
