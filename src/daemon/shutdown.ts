import type { Engine } from "../sim/engine.js";
import type { WallClock } from "./clock.js";
import { Deadline } from "./deadline.js";
import type { Logger } from "./log.js";
import type { Runner } from "./runner.js";
import type { SinkSet, Undelivered } from "./sinks.js";

/**
 * The share of `drain_timeout` that sessions in flight get to finish before they are cut; the sinks
 * flush until the whole of it has passed.
 */
export const SESSION_DRAIN_SHARE = 0.5;

export interface ShutdownParts {
  wall: WallClock;
  log: Logger;
  engine: Engine;
  runner: Runner;
  sinks: SinkSet;
  /** `delivery_timeout`'s watch, disposed when the sinks are closed or destroyed. */
  delivery?: { dispose(): void };
}

/**
 * The daemon's bounded shutdown: after `stop(drainMs)` nothing outlives the deadline, whatever state a
 * sink is in; what the sinks could not deliver by then is dropped and counted.
 */
export class Shutdown {
  readonly deadline: Deadline;
  private cutTimer: unknown = null;
  /** Sinks `delivery_timeout` gave up on: destroyed at close without a wait. */
  private doomed: ReadonlySet<string> = new Set();

  constructor(private readonly p: ShutdownParts) {
    this.deadline = new Deadline(p.wall);
  }

  /**
   * Bounds the shutdown to `drainMs` from now: no new sessions; those in flight drain for
   * SESSION_DRAIN_SHARE of it and are then cut; close() flushes the sinks until it ends. Calling it
   * again never extends the deadline.
   */
  stop(drainMs: number): void {
    if (this.deadline.isSet) return;
    this.deadline.set(drainMs);
    this.p.runner.stop();
    // close() clears it: it fires only while sessions are still draining (or sinks starting).
    this.cutTimer = this.p.wall.setTimeout(() => {
      this.cutTimer = null;
      this.p.log.warn(
        { sessions_in_flight: this.p.runner.activeSessions },
        "drain: cutting sessions still in flight",
      );
      this.p.runner.cutInFlight();
    }, drainMs * SESSION_DRAIN_SHARE);
  }

  /**
   * `delivery_timeout` passed with events undelivered: the run ends now. Sessions are cut; close()
   * destroys the `stuck` sinks at once, counting what each holds as lost, and gives the sinks that
   * kept up `graceMs` (at most) to flush theirs: a file is not emptied because a broker is away.
   */
  expire(stuck: readonly string[], graceMs: number): void {
    this.doomed = new Set(stuck);
    this.deadline.set(graceMs);
    this.p.runner.stop();
    this.clearCut();
    this.p.runner.cutInFlight();
  }

  /**
   * Cuts the sessions still in flight, writes the labels of their cascades that emitted calls (and any
   * the runner left), then flushes and closes the sinks until the deadline (without one, as long as
   * delivery takes), destroying those still busy. Returns what each sink could not deliver.
   */
  async close(): Promise<Undelivered> {
    const { engine, runner, sinks, log } = this.p;
    this.clearCut();
    const cut = runner.activeSessions;
    const labels = [...engine.labels.splice(0), ...engine.cutAll()];
    if (cut > 0) log.info({ sessions_cut: cut, labels: labels.length }, "sessions cut; writing their labels");
    try {
      return await sinks.close(labels, this.deadline, this.doomed);
    } finally {
      this.p.delivery?.dispose();
      this.deadline.dispose();
    }
  }

  /** After a failure: destroys the sinks and clears the timers. */
  abort(): void {
    this.clearCut();
    this.p.delivery?.dispose();
    this.deadline.dispose();
    this.p.sinks.destroy();
  }

  private clearCut(): void {
    if (this.cutTimer !== null) this.p.wall.clearTimeout(this.cutTimer);
    this.cutTimer = null;
  }
}
