import type { CascadeConfig } from "../config/cascade.js";
import type { CascadeLabel } from "../event/index.js";
import {
  type CascadeWindow,
  nextWindowAfter,
  type PlanAnchor,
  triggeredWindow,
  windowsFrom,
} from "./plan.js";

/** Hops of a root window along the service map (propagation); they must start at or after it. */
export type HopsOf = (root: CascadeWindow) => readonly CascadeWindow[];

export interface TimelineOptions {
  cascades: readonly CascadeConfig[];
  /** `clock.start` and the run's seed key: the schedule is a pure function of them. */
  anchor: PlanAnchor;
  hops?: HopsOf;
  /**
   * Whether this process writes the windows' label records. Every shard runs the same windows (so the
   * same calls are touched in each), but only one of them announces them, so that the union of the
   * shards' label streams holds each record once.
   */
  writeLabels: boolean;
  /** A window opened or closed (metrics, logs). */
  onOpen?(w: CascadeWindow): void;
  onClose?(w: CascadeWindow, cut: boolean): void;
}

/** A window as the control API shows it. */
export interface WindowView {
  cascade_id: string;
  name: string;
  start: string;
  end: string;
  triggered: boolean;
  origin?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The label record of a window opening or closing: what a detector learns, when it happens. */
export function windowLabel(w: CascadeWindow, state: "open" | "closed", cut = false): CascadeLabel {
  const label: CascadeLabel = {
    cascade_id: w.cascade_id,
    name: w.name,
    state,
    start: iso(w.start),
    end: iso(w.end),
    scope: { ...w.scope },
    effects: { ...w.effects },
    triggered: w.triggered,
  };
  if (w.origin !== null) {
    label.origin = w.origin;
    label.hop = w.hop;
    if (w.service !== null) label.service = w.service;
  }
  if (cut) label.cut = true;
  return label;
}

/** Inserts `w` into `list`, kept sorted by (start, cascade_id). */
function insertByStart(list: CascadeWindow[], w: CascadeWindow): void {
  let i = list.length;
  while (i > 0) {
    const p = list[i - 1]!;
    if (p.start < w.start || (p.start === w.start && p.cascade_id <= w.cascade_id)) break;
    i--;
  }
  list.splice(i, 0, w);
}

/**
 * The cascade windows of a run in virtual time: the schedule (read lazily, so an endless run never
 * materializes it), their propagated hops, and windows triggered by hand. The engine advances it with
 * its own virtual time, before the calls due at the same instant, so a window is open for exactly the
 * calls in [start, end). It writes one label record when a window opens and one when it closes.
 */
export class CascadeTimeline {
  /** Windows open now, by start: what the outcome modifier reads. */
  readonly open: CascadeWindow[] = [];
  /** Hops and triggered windows not open yet, by start. */
  private readonly pending: CascadeWindow[] = [];
  private readonly schedule: Iterator<CascadeWindow>;
  private nextScheduled: CascadeWindow | undefined;
  private stopAtMs = Number.POSITIVE_INFINITY;
  private readonly triggeredCount = new Map<string, number>();
  private readonly byName: ReadonlyMap<string, CascadeConfig>;

  constructor(private readonly o: TimelineOptions) {
    this.byName = new Map(o.cascades.map((c) => [c.name, c]));
    this.schedule = windowsFrom(o.cascades, o.anchor, o.anchor.originMs);
    this.nextScheduled = this.pull();
  }

  get cascades(): readonly CascadeConfig[] {
    return this.o.cascades;
  }

  /** No window opens at or after `ms` (the end of the run); those open still close at their end. */
  stopAt(ms: number): void {
    this.stopAtMs = Math.min(this.stopAtMs, ms);
  }

  /** Virtual instant of the next opening or closing; Infinity when none is left. */
  peek(): number {
    let t = this.nextStart();
    for (let i = 0; i < this.open.length; i++) if (this.open[i]!.end < t) t = this.open[i]!.end;
    return t;
  }

  /**
   * Opens and closes, in virtual-time order, every window whose instant is at or before `t` (a window
   * closing at an instant closes before one opening there), writing their records to `labels`.
   */
  advance(t: number, labels: CascadeLabel[]): void {
    for (;;) {
      const close = this.firstToClose();
      const start = this.nextStart();
      if (close !== undefined && close.end <= t && close.end <= start) {
        this.close(close, labels, false);
      } else if (start <= t && start !== Number.POSITIVE_INFINITY) {
        this.openNext(labels);
      } else {
        return;
      }
    }
  }

  /**
   * The run ended with every session done: what is left of the schedule before its end opens and
   * closes now (no call falls in it), so every window the run planned has both records.
   */
  finish(labels: CascadeLabel[]): void {
    // An endless schedule with no end set has no "rest": close what is open instead.
    if (this.stopAtMs === Number.POSITIVE_INFINITY) this.cut(Number.POSITIVE_INFINITY, labels);
    else this.advance(Number.POSITIVE_INFINITY, labels);
  }

  /** The run was cut at virtual instant `at`: open windows close there (`cut: true`); none opens. */
  cut(at: number, labels: CascadeLabel[]): void {
    this.stopAtMs = Number.NEGATIVE_INFINITY;
    this.pending.length = 0;
    while (this.open.length > 0) {
      const w = this.open[0]!;
      if (Number.isFinite(at) && at < w.end) w.end = Math.max(w.start, at);
      this.close(w, labels, true);
    }
  }

  /**
   * Opens a window of cascade `name` at `at` (the control API) lasting `durationMs` (default: the
   * cascade's duration), with its hops; returns it, or why not.
   */
  trigger(name: string, at: number, durationMs?: number): CascadeWindow | string {
    const c = this.byName.get(name);
    if (c === undefined) return `no cascade named "${name}"`;
    if (at >= this.stopAtMs) return "the run is ending: no window opens any more";
    const n = this.triggeredCount.get(name) ?? 0;
    this.triggeredCount.set(name, n + 1);
    const w = triggeredWindow(c, this.o.anchor.seedKey, n, at, durationMs ?? c.duration);
    insertByStart(this.pending, w);
    for (const hop of this.o.hops?.(w) ?? []) insertByStart(this.pending, hop);
    return w;
  }

  /** Closes an open window (and its hops not open yet) at `at`; returns it, or why not. */
  abort(cascadeId: string, at: number): CascadeWindow | string {
    const w = this.open.find((x) => x.cascade_id === cascadeId);
    if (w === undefined) {
      return this.pending.some((x) => x.cascade_id === cascadeId)
        ? `window ${cascadeId} has not opened yet`
        : `no open window ${cascadeId}`;
    }
    w.end = Math.max(w.start, at);
    // Its hops go with it: those under way close now, those that have not reached their service never will.
    const prefix = `${cascadeId}.`;
    for (const hop of this.open) if (hop.cascade_id.startsWith(prefix)) hop.end = Math.max(hop.start, at);
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (this.pending[i]!.cascade_id.startsWith(prefix)) this.pending.splice(i, 1);
    }
    return w;
  }

  /** The next scheduled window of cascade `name` that opens at or after `at` (for the control API). */
  nextOf(name: string, at: number): CascadeWindow | undefined {
    const c = this.byName.get(name);
    if (c === undefined) return undefined;
    const w = nextWindowAfter([c], this.o.anchor, at);
    return w !== undefined && w.start < this.stopAtMs ? w : undefined;
  }

  private nextStart(): number {
    const s = this.nextScheduled;
    let t = s === undefined || s.start >= this.stopAtMs ? Number.POSITIVE_INFINITY : s.start;
    const p = this.pending[0];
    if (p !== undefined && p.start < t) t = p.start;
    return t;
  }

  private firstToClose(): CascadeWindow | undefined {
    let first: CascadeWindow | undefined;
    for (const w of this.open) if (first === undefined || w.end < first.end) first = w;
    return first;
  }

  private openNext(labels: CascadeLabel[]): void {
    const s = this.nextScheduled;
    const p = this.pending[0];
    let w: CascadeWindow;
    if (s !== undefined && s.start < this.stopAtMs && (p === undefined || s.start <= p.start)) {
      w = s;
      this.nextScheduled = this.pull();
      for (const hop of this.o.hops?.(w) ?? []) insertByStart(this.pending, hop);
    } else {
      w = this.pending.shift()!;
    }
    insertByStart(this.open, w);
    if (this.o.writeLabels) labels.push(windowLabel(w, "open"));
    this.o.onOpen?.(w);
  }

  private close(w: CascadeWindow, labels: CascadeLabel[], cut: boolean): void {
    this.open.splice(this.open.indexOf(w), 1);
    if (this.o.writeLabels) labels.push(windowLabel(w, "closed", cut));
    this.o.onClose?.(w, cut);
  }

  private pull(): CascadeWindow | undefined {
    const r = this.schedule.next();
    return r.done ? undefined : r.value;
  }

  /** Open windows as the control API shows them. */
  openViews(): WindowView[] {
    return this.open.map((w) => ({
      cascade_id: w.cascade_id,
      name: w.name,
      start: iso(w.start),
      end: iso(w.end),
      triggered: w.triggered,
      ...(w.origin === null ? {} : { origin: w.origin }),
    }));
  }
}
