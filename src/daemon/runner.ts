import { setImmediate as yieldToIo } from "node:timers/promises";
import type { TraceEvent } from "../event/index.js";
import type { Engine } from "../sim/engine.js";
import type { LoadModel } from "../sim/load/types.js";
import type { VirtualClock, WallClock } from "./clock.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { SinkSet } from "./sinks.js";

export interface RunnerOptions {
  engine: Engine;
  load: LoadModel;
  clock: VirtualClock;
  wall: WallClock;
  sinks: SinkSet;
  metrics: Metrics | null;
  log: Logger;
  /** Virtual instant after which no session starts (end of `duration`); sessions in flight finish. */
  endMs?: number;
  /** Most events handed to the sinks at once. */
  batchSize?: number;
  /** Index of each workflow name in the metrics' workflow labels. */
  workflowIndex?: ReadonlyMap<string, number>;
}

export interface RunSummary {
  events: number;
  sessionsStarted: number;
  sessionsCompleted: number;
  /** Sessions still in flight when the drain timeout cut them. */
  sessionsCut: number;
  reason: "duration" | "stopped";
}

/**
 * The daemon's loop: asks the engine for every call due by the virtual clock, hands each batch to the
 * sinks and waits for them (backpressure: a slow sink slows the schedule, and the lag is measured),
 * then sleeps on one timer until the next call is due.
 */
export class Runner {
  private stopping = false;
  private cut = false;
  private wake: (() => void) | null = null;
  private timer: unknown = null;
  private events = 0;

  constructor(private readonly o: RunnerOptions) {
    if (o.endMs !== undefined) {
      o.load.stopAt(o.endMs);
      o.engine.stopWindowsAt(o.endMs);
    }
  }

  /** Events handed to the sinks so far. */
  get eventsEmitted(): number {
    return this.events;
  }

  /** Sessions in flight now. */
  get activeSessions(): number {
    return this.o.engine.activeSessions;
  }

  /** True while paused (control API): no call is emitted and virtual time stands still. */
  get paused(): boolean {
    return this.o.clock.paused;
  }

  /** Pauses the run: virtual time stops, so resuming later makes no call late. Not once stopping. */
  pause(): void {
    if (this.stopping) return;
    this.o.clock.pause();
    this.interrupt();
  }

  /** Resumes a paused run from the virtual instant it stood at. */
  resume(): void {
    this.o.clock.resume();
    this.interrupt();
  }

  /** Stops new sessions now (a paused run resumes to drain); sessions in flight go on until done or `cutInFlight`. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.o.clock.resume();
    const now = this.o.clock.virtualNow();
    const at = Number.isFinite(now) ? now : this.o.engine.nextWork();
    this.o.load.stopAt(at);
    this.o.engine.stopWindowsAt(at);
    this.interrupt();
  }

  /**
   * Ends the run now, leaving sessions unfinished: a batch that a sink holds back (backpressure) is
   * not waited for; it stays in that sink's backlog. The cut sessions' labels are the caller's
   * (`Engine.cutAll`), as are labels of sessions that ended in the last batch.
   */
  cutInFlight(): void {
    this.cut = true;
    this.o.sinks.release();
    this.interrupt();
  }

  /** Wakes the loop early, e.g. after the load was reconfigured. */
  interrupt(): void {
    const w = this.wake;
    this.wake = null;
    if (this.timer !== null) this.o.wall.clearTimeout(this.timer);
    this.timer = null;
    w?.();
  }

  /** Runs until the duration is over and every session finished, or until stopped and drained. */
  async run(): Promise<RunSummary> {
    const { engine } = this.o;
    while (!this.cut) {
      if (this.o.clock.paused) {
        await this.sleepUntil(Number.POSITIVE_INFINITY); // until resume() or stop() interrupts
        continue;
      }
      if (await this.step()) continue;
      // Without a duration, an idle engine (e.g. a reload set the rate to 0) waits for more work.
      if (engine.finished && (this.stopping || this.o.endMs !== undefined)) break;
      // At `max` speed virtual time moves only with work: windows alone do not wake the loop.
      await this.sleepUntil(this.o.clock.speed === "max" ? engine.nextWork() : engine.nextDue());
    }
    // A run that reached its end leaves its schedule complete: windows still open close at their end.
    // A stopped or cut run's windows close where it stopped (the shutdown's Engine.cutAll).
    if (!this.cut && !this.stopping) {
      engine.finishWindows();
      if (engine.labels.length > 0) await this.o.sinks.writeLabels(engine.labels.splice(0));
    }
    return {
      events: this.events,
      sessionsStarted: engine.sessionsStarted,
      sessionsCompleted: engine.sessionsCompleted,
      sessionsCut: engine.activeSessions,
      reason: this.stopping ? "stopped" : "duration",
    };
  }

  /** Emits one batch of due calls; false when nothing was due. */
  private async step(): Promise<boolean> {
    const { engine, clock, sinks, metrics } = this.o;
    const now = clock.virtualNow();
    const firstDue = engine.nextDue();
    const batch: TraceEvent[] = [];
    engine.run(now, batch, this.o.batchSize ?? 4096);
    if (batch.length === 0) {
      // A window opened or closed with no call due: its record goes out now, when it happens.
      if (engine.labels.length === 0) return false;
      await sinks.writeLabels(engine.labels.splice(0));
      return true;
    }
    metrics?.observeLag(clock.lagMs(firstDue) / 1000);
    await sinks.write(batch);
    this.events += batch.length;
    // Once cut, labels are the shutdown's to write, with those of the cut sessions.
    if (!this.cut && engine.labels.length > 0) await sinks.writeLabels(engine.labels.splice(0));
    if (metrics !== null) this.observe(batch);
    // At `max` speed the sinks may accept at once; let timers, signals and /metrics in between batches.
    await yieldToIo();
    return true;
  }

  private observe(batch: readonly TraceEvent[]): void {
    const { metrics, engine, load, clock } = this.o;
    const index = this.o.workflowIndex;
    if (index !== undefined) {
      for (const e of batch) metrics!.observeLatency(index.get(e.workflow) ?? 0, e.response_time_ms / 1000);
    }
    metrics!.activeSessions(engine.activeSessions);
    metrics!.activeUsers(load.activeUsers);
    const now = clock.virtualNow();
    metrics!.virtualTime(Number.isFinite(now) ? now : Date.parse(batch[batch.length - 1]!.timestamp));
  }

  private sleepUntil(virtualMs: number): Promise<void> {
    if (this.stopping && virtualMs === Number.POSITIVE_INFINITY) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      if (virtualMs === Number.POSITIVE_INFINITY) return; // nothing scheduled: wait for interrupt()
      const ms = this.o.clock.wallMsUntil(virtualMs);
      this.timer = this.o.wall.setTimeout(() => this.interrupt(), Math.min(ms, 2 ** 31 - 1));
    });
  }
}
