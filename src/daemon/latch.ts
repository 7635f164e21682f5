/**
 * A one-shot signal that work can be raced against. `Promise.race([work, longLived])` leaves a reaction
 * on the long-lived promise for every race until it settles: one per write in a run that writes per
 * request, a leak that grows with the run. A latch keeps only the waiters whose work is still pending.
 */
export class Latch {
  private fired = false;
  private readonly waiters = new Set<() => void>();

  /** True once fired. */
  get isFired(): boolean {
    return this.fired;
  }

  /** Fires the latch: every race still waiting resolves false, and so does every later one. */
  fire(): void {
    if (this.fired) return;
    this.fired = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /**
   * Resolves true when `work` settles first (its rejection passes through), false when the latch fires
   * first. Work still pending at the fire goes on; a later rejection of it is ignored.
   */
  race(work: Promise<unknown>): Promise<boolean> {
    if (this.fired) {
      work.catch(() => {});
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve, reject) => {
      const wake = () => resolve(false);
      this.waiters.add(wake);
      work.then(
        () => {
          this.waiters.delete(wake);
          resolve(true);
        },
        (err: unknown) => {
          this.waiters.delete(wake);
          reject(err);
        },
      );
    });
  }
}
