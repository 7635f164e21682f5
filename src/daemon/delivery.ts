import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { systemClock, type WallClock } from "./clock.js";
import type { Logger } from "./log.js";
import type { RunSinks } from "./runner.js";
import type { SinkSet } from "./sinks.js";

/** What `delivery_timeout` found: events accepted this long ago are still not delivered. */
export interface DeliveryExpired {
  /** Wall ms since the oldest undelivered event was accepted. */
  oldestMs: number;
  /** Events accepted and not delivered by the slowest sink, now. */
  undelivered: number;
  /** The sinks that have not delivered the expired batch: the ones to give up on at once. */
  stuck: string[];
}

/** Where a batch ends (events accepted so far, counting it) and when it was accepted. */
interface Checkpoint {
  end: number;
  at: number;
}

/**
 * `delivery_timeout`: watches that every event handed to the sinks is delivered within it, in every
 * state of a run (running, held back by a saturated sink, flushing at the end, draining after a
 * signal). It notes when each batch was accepted, and holds one timer, set for the instant the oldest
 * undelivered batch expires; when that instant comes and the batch is still not delivered by every
 * sink, `onExpired` runs once (the daemon then gives the events up: dropped, counted, exit 3).
 * Delivery is read from the sinks' backlogs, so it needs no word from them.
 */
export class DeliveryWatch implements RunSinks {
  private accepted = 0;
  /** Batches not yet delivered by every sink, oldest first, from `head` on. */
  private pending: Checkpoint[] = [];
  private head = 0;
  private timer: unknown = null;
  private done = false;

  constructor(
    private readonly sinks: SinkSet,
    private readonly wall: WallClock,
    private readonly timeoutMs: number,
    private readonly onExpired: (e: DeliveryExpired) => void,
  ) {}

  write(batch: readonly TraceEvent[]): Promise<void> {
    this.accepted += batch.length;
    this.pending.push({ end: this.accepted, at: this.wall.now() });
    // The sinks count the batch in their backlogs once write is called: arm after.
    const written = this.sinks.write(batch);
    this.arm();
    return written;
  }

  writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    return this.sinks.writeLabels(labels);
  }

  release(): void {
    this.sinks.release();
  }

  /** Events accepted and not yet delivered by the slowest sink. */
  get undelivered(): number {
    let most = 0;
    for (const e of this.sinks.entries) most = Math.max(most, e.sink.backlog);
    return Math.min(most, this.accepted);
  }

  /** Like `undelivered`, less what a sink holds by choice (`Sink.held`): what waits on delivery. */
  private waiting(): number {
    let most = 0;
    for (const e of this.sinks.entries) most = Math.max(most, waitingOf(e.sink));
    return Math.min(most, this.accepted);
  }

  /** Stops watching (the run is over and its sinks closed or destroyed); clears the timer. */
  dispose(): void {
    this.done = true;
    if (this.timer !== null) this.wall.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Drops the batches every sink delivered; returns the oldest one still pending. */
  private oldest(): Checkpoint | undefined {
    // Held events are the newest a sink took: the batches before them are delivered or waiting.
    const delivered = this.accepted - this.waiting();
    while (this.head < this.pending.length && this.pending[this.head]!.end <= delivered) this.head++;
    // Compact now and then, so that the array does not keep a run's every batch.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return this.pending[this.head];
  }

  private arm(): void {
    if (this.timer !== null || this.done) return;
    const oldest = this.oldest();
    if (oldest === undefined) return;
    const ms = Math.max(0, oldest.at + this.timeoutMs - this.wall.now());
    this.timer = this.wall.setTimeout(() => this.check(), Math.min(ms, 2 ** 31 - 1));
  }

  private check(): void {
    this.timer = null;
    if (this.done) return;
    const oldest = this.oldest();
    if (oldest === undefined) return;
    const age = this.wall.now() - oldest.at;
    if (age < this.timeoutMs) {
      this.arm();
      return;
    }
    this.done = true;
    // A sink is stuck when it still waits on events of the expired batch; the others keep up, and
    // what they hold is theirs to flush (they are not what delivery_timeout gave up on).
    const stuck: string[] = [];
    for (const e of this.sinks.entries)
      if (waitingOf(e.sink) > this.accepted - oldest.end) stuck.push(e.name);
    this.onExpired({ oldestMs: age, undelivered: this.undelivered, stuck });
  }
}

/** What a sink waits to deliver: its backlog less what it holds by choice (`Sink.held`). */
function waitingOf(sink: { backlog: number; held?: number }): number {
  return sink.backlog - (sink.held ?? 0);
}

/**
 * The daemon's watch over its sinks: when delivery_timeout passes, it logs what it gives up and calls
 * `giveUp` (the shutdown's expire). It bounds a wait on the world (a broker's answer), so it runs on
 * the system's clock whatever clock drives the run.
 */
export function watchDelivery(
  sinks: SinkSet,
  timeoutMs: number,
  log: Logger,
  giveUp: (stuck: readonly string[], graceMs: number) => void,
): DeliveryWatch {
  return new DeliveryWatch(sinks, systemClock, timeoutMs, (e) => {
    log.error(
      {
        delivery_timeout_ms: timeoutMs,
        oldest_ms: e.oldestMs,
        undelivered: sinks.undelivered(),
        stuck: e.stuck,
      },
      `delivery_timeout: ${e.undelivered} events accepted and not delivered within it; giving them up`,
    );
    giveUp(e.stuck, timeoutMs);
  });
}
