import type { CascadeLabel } from "../event/index.js";
import type { CompiledWorkflow } from "./compile.js";
import type { Arrival, EngineSession, EventTaker } from "./engine-session.js";
import { MinHeap } from "./heap.js";
import type { GenerationOptions } from "./options.js";
import {
  type CallOutcome,
  type ChosenCall,
  DROPPED,
  newOutcome,
  type Outcome,
  type PENDING,
  SimulatedOutcome,
} from "./outcome.js";
import { seedKey } from "./rng.js";
import { Session } from "./session.js";
import { TimestampFormatter } from "./timefmt.js";

/** Where sessions come from: an offline plan, an open model's arrivals, a closed model's loop. */
export interface ArrivalSource {
  /** Virtual time of the next arrival; Infinity when there is none (yet). */
  peek(): number;
  take(): Arrival;
}

/**
 * Things that happen at virtual instants besides calls: cascade windows opening and closing. The
 * engine advances it with its own time, before the calls due at the same instant, so that whatever
 * reads it (an outcome modifier) sees exactly the windows open at each call.
 */
export interface Timeline {
  /** Virtual instant of the next thing it does; Infinity when none is left. */
  peek(): number;
  /** Does, in order, everything due at or before `t`, appending its label records to `labels`. */
  advance(t: number, labels: CascadeLabel[]): void;
  /** Nothing new begins at or after `ms` (the run's end); what is under way ends on its own. */
  stopAt(ms: number): void;
  /** The run is over with every session done: what is left before its end happens now. */
  finish(labels: CascadeLabel[]): void;
  /** The run was cut at `at`: what is under way ends there. */
  cut(at: number, labels: CascadeLabel[]): void;
}

/** Makes the session of an arrival: a walk of its workflow, or a recorded session. */
export type SessionFactory = (a: Arrival, key: number, seedTag: string) => EngineSession;

export interface EngineHooks {
  onSessionStart?(s: EngineSession): void;
  onSessionEnd?(s: EngineSession): void;
  /** A cascade label was made: its session ended, or was cut, after the cascade touched a call. */
  onCascadeLabel?(s: EngineSession, label: CascadeLabel): void;
  /** A session's first call was never made (the outcome dropped it): the session is over. */
  onSessionDropped?(s: EngineSession): void;
  /** A call completed later (HTTP mode): its event waits for the next `run`. */
  onSettled?(): void;
}

/**
 * The simulation: one priority queue of sessions by next-due time, fed by an arrival source.
 * It never reads a clock; the caller says up to which virtual instant to run (Infinity at `max` speed).
 * Each call is chosen by its session (the walk) and completed by `outcome` (default: the simulated
 * rules with the per-session cascade).
 */
export class Engine {
  private readonly heap = new MinHeap<EngineSession>();
  private readonly fmt = new TimestampFormatter();
  private readonly key: number;
  private readonly seedTag: string;
  /** The one outcome record every call is completed into. */
  private readonly result = newOutcome();
  /** Ground-truth labels of finished cascades, for the caller to drain. */
  readonly labels: CascadeLabel[] = [];
  sessionsStarted = 0;
  sessionsCompleted = 0;
  /** Users whose last session ended (for arrival sources that mark last sessions). */
  usersCompleted = 0;
  /** The virtual instant the engine has run to: the last call, arrival or `until` it reached. */
  private now = Number.NEGATIVE_INFINITY;
  /** Sessions whose call is in flight (HTTP mode), out of the schedule until it completes. */
  private readonly inFlight = new Set<EngineSession>();
  /** Calls completed since the last `run`, in the order they completed, and their outcomes. */
  private settledSessions: EngineSession[] = [];
  private settledOutcomes: Outcome[] = [];
  private stopped = false;
  /** Sessions whose first call was dropped. */
  sessionsDropped = 0;

  constructor(
    private readonly workflows: readonly CompiledWorkflow[],
    private readonly opts: GenerationOptions,
    private readonly arrivals: ArrivalSource,
    private readonly hooks: EngineHooks = {},
    private readonly outcome: CallOutcome = new SimulatedOutcome(opts),
    private readonly timeline: Timeline | null = null,
    /** Makes the session of an arrival (default: a walk of its workflow; replay: a recorded session). */
    private readonly makeSession?: SessionFactory,
  ) {
    this.key = seedKey(opts.seed);
    this.seedTag = `s${opts.seed}`;
    outcome.attach?.((call, o) => this.settle(call, o));
  }

  /** The virtual instant the engine has run to (-Infinity before anything happened). */
  get reached(): number {
    return this.now;
  }

  /** Sessions in flight: scheduled, or waiting for a response (HTTP mode), or with one just in. */
  get activeSessions(): number {
    return this.heap.size + this.inFlight.size + this.settledSessions.length;
  }

  /** Virtual time of the next call or arrival, or Infinity when there is none. */
  nextWork(): number {
    const top = this.heap.peek();
    return Math.min(top === undefined ? Number.POSITIVE_INFINITY : top.due, this.arrivals.peek());
  }

  /** Virtual time of the next thing to happen (a call, an arrival, a window opening or closing). */
  nextDue(): number {
    const t = this.nextWork();
    return this.timeline === null ? t : Math.min(t, this.timeline.peek());
  }

  /**
   * True when no session is scheduled or waiting for a response and no arrival is pending (windows do
   * not keep a run alive).
   */
  get finished(): boolean {
    return this.nextWork() === Number.POSITIVE_INFINITY && this.inFlight.size === 0 && !this.hasSettled;
  }

  /** Calls in flight (HTTP mode). */
  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /** Calls completed that the next `run` turns into events. */
  get hasSettled(): boolean {
    return this.settledSessions.length > 0;
  }

  /** No window opens at or after `ms`: the run ends there (a duration, or a stop). */
  stopWindowsAt(ms: number): void {
    this.timeline?.stopAt(ms);
  }

  /**
   * The run ended with every session done: the windows left before its end open and close now, so
   * that each has both its label records (in `labels`).
   */
  finishWindows(): void {
    this.timeline?.finish(this.labels);
  }

  /**
   * Appends to `out` every call due at or before `until`, in (due, order) order, stopping once `out`
   * holds `limit`.
   */
  run(until: number, out: EventTaker, limit: number): void {
    const heap = this.heap;
    const arrivals = this.arrivals;
    const timeline = this.timeline;
    if (this.settledSessions.length > 0) this.drainSettled(out, limit);
    while (out.length < limit) {
      const top = heap.peek();
      const nextArrival = arrivals.peek();
      if (timeline !== null) {
        // Windows move before the calls of the same instant; with no work and no bound, they wait.
        const t = Math.min(top === undefined ? nextArrival : Math.min(top.due, nextArrival), until);
        if (t !== Number.POSITIVE_INFINITY && timeline.peek() <= t) timeline.advance(t, this.labels);
      }
      if (
        nextArrival <= until &&
        nextArrival !== Number.POSITIVE_INFINITY &&
        (top === undefined || nextArrival <= top.due)
      ) {
        this.now = nextArrival;
        this.start(arrivals.take());
        continue;
      }
      if (top === undefined || top.due > until) {
        if (until !== Number.POSITIVE_INFINITY && until > this.now) this.now = until;
        return;
      }
      // The session stays on top of the heap while its call is made (nothing else touches the heap
      // meanwhile), then moves down past its new due time: one sift, not a pop and a push.
      this.now = top.due;
      const later = this.outcome.complete(top.nextCall(), this.result);
      if (later !== undefined) {
        heap.pop();
        this.pend(top, later);
        continue;
      }
      top.complete(this.result, this.fmt, out);
      if (!top.done) heap.updateTop();
      else {
        heap.pop();
        this.end(top);
      }
    }
  }

  /** A call that completes later, or never (dropped): the session leaves the schedule meanwhile. */
  private pend(s: EngineSession, later: typeof PENDING | typeof DROPPED): void {
    if (later === DROPPED) {
      this.sessionsDropped++;
      this.hooks.onSessionDropped?.(s);
      return;
    }
    this.inFlight.add(s);
  }

  private settle(call: ChosenCall, o: Outcome): void {
    const s = call.session;
    if (this.stopped || !this.inFlight.delete(s)) return;
    this.settledSessions.push(s);
    this.settledOutcomes.push(o);
    this.hooks.onSettled?.();
  }

  /** Turns completed calls into events, in the order they completed; their sessions go back on schedule. */
  private drainSettled(out: EventTaker, limit: number): void {
    const sessions = this.settledSessions;
    const outcomes = this.settledOutcomes;
    let i = 0;
    for (; i < sessions.length && out.length < limit; i++) {
      const s = sessions[i]!;
      const o = outcomes[i]!;
      s.complete(o, this.fmt, out);
      if (!s.done) this.heap.push(s);
      else this.end(s);
    }
    this.settledSessions = sessions.slice(i);
    this.settledOutcomes = outcomes.slice(i);
  }

  /**
   * Ends every session in flight without its remaining calls (a shutdown cut) and returns the labels
   * of the cascades that touched a call already emitted, so no emitted `cascade_id` lacks its label.
   * A label's window ends where the last touched call emitted ended. Cut sessions do not count as
   * completed; arrivals still pending stay pending.
   */
  cutAll(): CascadeLabel[] {
    const labels: CascadeLabel[] = [];
    // Calls still in flight are abandoned: their responses, if any come, make no event.
    this.stopped = true;
    const waiting = [...this.inFlight, ...this.settledSessions];
    this.inFlight.clear();
    this.settledSessions = [];
    this.settledOutcomes = [];
    for (const s of waiting) this.heap.push(s);
    for (let s = this.heap.pop(); s !== undefined; s = this.heap.pop()) {
      const label = this.outcome.label(s);
      if (label === null) continue;
      labels.push(label);
      this.hooks.onCascadeLabel?.(s, label);
    }
    // Windows still open close where the run stopped.
    this.timeline?.cut(this.now, labels);
    return labels;
  }

  private start(a: Arrival): void {
    const s =
      this.makeSession?.(a, this.key, this.seedTag) ??
      new Session(this.workflows[a.workflow]!, a, this.key, this.seedTag, this.opts);
    this.outcome.begin(s);
    this.sessionsStarted++;
    this.hooks.onSessionStart?.(s);
    this.heap.push(s);
  }

  /** Returns whether the session left a label. */
  private end(s: EngineSession): boolean {
    this.sessionsCompleted++;
    if (s.arrival.last === true) this.usersCompleted++;
    const label = this.outcome.label(s);
    if (label !== null) {
      this.labels.push(label);
      this.hooks.onCascadeLabel?.(s, label);
    }
    this.hooks.onSessionEnd?.(s);
    return label !== null;
  }
}
