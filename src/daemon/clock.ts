/** Wall time and one timer: the only place the daemon reads the real clock, so tests can pass their own. */
export interface WallClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: WallClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type Speed = number | "max";

/**
 * Maps virtual time to wall time by a speed factor: 1 real time, 60 a virtual minute per second,
 * `max` as fast as the sinks accept (virtual time is then wherever the engine is).
 */
export class VirtualClock {
  private anchorWall: number;
  private anchorVirtual: number;

  constructor(
    private readonly wall: WallClock,
    startVirtualMs: number,
    private speedValue: Speed,
  ) {
    this.anchorWall = wall.now();
    this.anchorVirtual = startVirtualMs;
  }

  get speed(): Speed {
    return this.speedValue;
  }

  /**
   * Makes the start instant due now. The runner calls it as it starts: the clock is built with the run,
   * before the sinks connect (a broker may take seconds), and that time must not make the first calls
   * late. A clock paused before then stays paused, at its start.
   */
  begin(): void {
    this.anchorWall = this.wall.now();
    if (this.pausedAt !== null && Number.isFinite(this.pausedAt)) this.pausedAt = this.anchorVirtual;
  }

  /** The virtual instant the clock stands still at while paused; null while it runs. */
  private pausedAt: number | null = null;

  /** True while paused. */
  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /** Stops virtual time where it is (control API pause); safe to call twice. */
  pause(): void {
    if (this.pausedAt === null) this.pausedAt = this.virtualNow();
  }

  /** Lets virtual time run again from where it stood, so that nothing becomes late by the pause. */
  resume(): void {
    if (this.pausedAt === null) return;
    if (Number.isFinite(this.pausedAt)) this.anchorVirtual = this.pausedAt;
    this.anchorWall = this.wall.now();
    this.pausedAt = null;
  }

  /** The virtual instant that is due now; Infinity at `max` speed. */
  virtualNow(): number {
    if (this.pausedAt !== null) return this.pausedAt;
    if (this.speedValue === "max") return Number.POSITIVE_INFINITY;
    return this.anchorVirtual + (this.wall.now() - this.anchorWall) * this.speedValue;
  }

  /** Wall milliseconds until a virtual instant is due (0 if it already is, or at `max`). */
  wallMsUntil(virtualMs: number): number {
    if (this.speedValue === "max") return 0;
    return Math.max(0, (virtualMs - this.virtualNow()) / this.speedValue);
  }

  /** Wall milliseconds that a virtual instant is overdue by (0 when not yet due, and at `max`). */
  lagMs(virtualMs: number): number {
    if (this.speedValue === "max") return 0;
    return Math.max(0, (this.virtualNow() - virtualMs) / this.speedValue);
  }

  /** Changes speed from now on; `at` is the virtual instant reached (needed when leaving `max`). */
  setSpeed(speed: Speed, at: number): void {
    this.anchorVirtual = this.speedValue === "max" ? at : this.virtualNow();
    this.anchorWall = this.wall.now();
    this.speedValue = speed;
  }
}
