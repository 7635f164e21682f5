import { setImmediate as yieldToIo } from "node:timers/promises";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import type { Engine } from "../sim/engine.js";
import type { EventTaker } from "../sim/engine-session.js";
import type { VirtualClock, WallClock } from "./clock.js";
import type { Metrics } from "./metrics.js";

/**
 * Where the runner hands its batches: the daemon's SinkSet, or one sink of an offline run. A batch is
 * an array of events, or what `newBatch` makes for the engine to fill (an offline JSONL run's packer).
 */
export interface RunSinks<B extends EventTaker = TraceEvent[]> {
  /** A new batch for the engine to fill; when absent, an array. */
  newBatch?(): B;
  /** Takes a batch of events. */
  write(batch: NoInfer<B>): Promise<void>;
  /** Takes the label records the engine made while it produced the last batch (or with no batch). */
  writeLabels(labels: readonly CascadeLabel[]): Promise<void>;
  /** Stops waiting for a sink that holds a write back (the shutdown's cut). */
  release(): void;
}

/** The part of the load model the runner drives: where arrivals stop, and how many users are alive. */
export interface RunLoad {
  stopAt(virtualMs: number): void;
  readonly activeUsers: number;
}

export interface RunnerOptions<B extends EventTaker = TraceEvent[]> {
  engine: Engine;
  /** The load model, which the runner stops at the end; an offline plan stops by itself. */
  load?: RunLoad;
  clock: VirtualClock;
  wall: WallClock;
  sinks: RunSinks<B>;
  /** Observes each batch of events (a batch `newBatch` made has none to observe: an offline run's). */
  metrics: Metrics | null;
  /** Virtual instant after which no session starts (end of `duration`; Infinity: when arrivals end). */
  endMs?: number;
  /** Most events handed to the sinks at once. */
  batchSize?: number;
  /** Index of each workflow name in the metrics' workflow labels. */
  workflowIndex?: ReadonlyMap<string, number>;
  /** The schedule lag of each batch, in wall ms (the end-of-run summary's `schedule_lag`). */
  onLag?: (ms: number) => void;
  /** After each batch was handed over (an offline run's progress). */
  onBatch?: (events: number) => void;
}

export interface RunSummary {
  events: number;
  sessionsStarted: number;
  sessionsCompleted: number;
  /** Sessions still in flight when the drain timeout cut them. */
  sessionsCut: number;
  reason: "duration" | "stopped";
  /** HTTP mode: requests completed (with a response or an error). */
  requests?: number;
  /** Wall seconds the run took (start of the loop to its end). */
  wall_s?: number;
}

/**
 * The daemon's loop: asks the engine for every call due by the virtual clock, hands each batch to the
 * sinks and waits for them (backpressure: a slow sink slows the schedule, and the lag is measured),
 * then sleeps on one timer until the next call is due.
 */
export class Runner<B extends EventTaker = TraceEvent[]> {
  private stopping = false;
  private cut = false;
  private wake: (() => void) | null = null;
  private timer: unknown = null;
  private events = 0;

  constructor(private readonly o: RunnerOptions<B>) {
    o.metrics?.sessionsFrom(() => o.engine.activeSessions);
    if (o.endMs !== undefined) {
      o.load?.stopAt(o.endMs);
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
    this.o.load?.stopAt(at);
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
    this.o.clock.begin();
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
    const batch = sinks.newBatch?.() ?? ([] as TraceEvent[] as unknown as B);
    engine.run(now, batch, this.o.batchSize ?? 4096);
    if (batch.length === 0) {
      // A window opened or closed with no call due: its record goes out now, when it happens.
      if (engine.labels.length === 0) return false;
      await sinks.writeLabels(engine.labels.splice(0));
      return true;
    }
    const lagMs = clock.lagMs(firstDue);
    metrics?.observeLag(lagMs / 1000);
    this.o.onLag?.(lagMs);
    await sinks.write(batch);
    this.events += batch.length;
    // Once cut, labels are the shutdown's to write, with those of the cut sessions.
    if (!this.cut && engine.labels.length > 0) await sinks.writeLabels(engine.labels.splice(0));
    if (metrics !== null && Array.isArray(batch)) this.observe(batch);
    this.o.onBatch?.(this.events);
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
    if (load !== undefined) metrics!.activeUsers(load.activeUsers);
    const now = clock.virtualNow();
    metrics!.virtualTime(Number.isFinite(now) ? now : Date.parse(batch[batch.length - 1]!.timestamp));
  }

  private sleepUntil(virtualMs: number): Promise<void> {
    const engine = this.o.engine;
    // A response that came in since the last step is due now (HTTP mode: no wake-up is ever lost).
    if (engine.hasSettled) return Promise.resolve();
    if (this.stopping && virtualMs === Number.POSITIVE_INFINITY && engine.callsInFlight === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wake = resolve;
      if (virtualMs === Number.POSITIVE_INFINITY) return; // nothing scheduled: wait for interrupt()
      const ms = this.o.clock.wallMsUntil(virtualMs);
      this.timer = this.o.wall.setTimeout(() => this.interrupt(), Math.min(ms, 2 ** 31 - 1));
    });
  }
}
