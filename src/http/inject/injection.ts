import type { CascadeCall } from "../../cascade/modifier.js";
import { inScope } from "../../cascade/modifier.js";
import type { CascadeWindow } from "../../cascade/plan.js";
import { scratchCall } from "../../cascade/window-modifier.js";
import type { CascadeLabel } from "../../event/index.js";
import type { ChosenCall } from "../../sim/outcome.js";
import type { CallPlan, InjectEntry, Injector, InjectorKind } from "./types.js";

/** A cascade's injectors; none at all is `inject: none` (announced only). */
export interface CascadeInjectors {
  none: boolean;
  list: readonly Injector[];
}

export interface InjectionHooks {
  /** The wall instant now (epoch ms): HTTP mode's virtual time. */
  now(): number;
  /** A held label record is ready in the array it was routed to (wake the runner to write it). */
  wake(): void;
  /** An injector failed for a window (after its retries): counted and logged by the owner. */
  failed(kind: InjectorKind, w: CascadeWindow, error: string): void;
  /**
   * False on a shard that writes no label records (shard k > 0): a closed window's state is then
   * forgotten at once, since no closed record will come through `route` to release it.
   */
  writesLabels: boolean;
}

/** One window as the injectors see it: what was done, and which calls it reaches now. */
interface WindowState {
  w: CascadeWindow;
  c: CascadeInjectors;
  entries: InjectEntry[];
  /** The per-call injectors act (client, Envoy): from the timeline's open to its close. */
  syncLive: boolean;
  /**
   * Where the confirmed asynchronous injectors reach calls, in whole milliseconds of the clock that
   * stamps each call (`plan`'s `now`): a proxy's every call, a webhook's the touched ones, from the
   * millisecond after the injection was confirmed (a call of that same millisecond may have gone before
   * the confirmation) to the end of the millisecond its undo was confirmed in (exclusive ends; Infinity:
   * not yet). Whole milliseconds on both sides keep every call's id and the records' [start, end) in
   * step, as timestamps have no finer grain.
   */
  all: Reach;
  scoped: Reach;
  startMs: number;
  endMs: number;
  opened: boolean;
  openP: Promise<void>;
  closed: boolean;
  closeP: Promise<void> | null;
}

interface Held {
  rec: CascadeLabel;
  out: CascadeLabel[];
  done: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

const copy = (entries: readonly InjectEntry[]) => entries.map((e) => ({ ...e }));

/** The milliseconds [from, until) an asynchronous injector reaches calls in (Infinity: not yet). */
interface Reach {
  from: number;
  until: number;
}

const unreached = (): Reach => ({ from: Number.POSITIVE_INFINITY, until: Number.POSITIVE_INFINITY });
const reaches = (r: Reach, now: number) => r.from <= now && now < r.until;
/** The end of `r`'s last millisecond; -Infinity if it never reached a call. */
const endOf = (r: Reach) => (r.from === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : r.until);
/** The end of the last millisecond a confirmed asynchronous injector of `st` reaches calls in. */
const reachEnd = (st: WindowState) => Math.max(endOf(st.all), endOf(st.scoped));

/**
 * The injectors of a run's windows: it does their work at each open and close, tells HttpOutcome which
 * window reaches a call about to be sent (and what the per-call injectors do to it), and completes the
 * windows' label records with what was injected, by what and when. A window whose injection must be
 * confirmed from outside (Toxiproxy, a webhook) holds its records until it is: the open record's `start`
 * is the first confirmation, the closed record's `end` the last undo, and only calls sent between them
 * carry its id.
 */
export class Injection {
  private readonly states = new Map<string, WindowState>();
  /** Windows that may reach calls, by start. */
  private readonly live: WindowState[] = [];
  private readonly held = new Set<Held>();
  private readonly scratch: CascadeCall = scratchCall();

  constructor(
    private readonly byCascade: ReadonlyMap<string, CascadeInjectors>,
    private readonly hooks: InjectionHooks,
  ) {}

  /** Every injector's start: checks and cleanup; a refusal (TwError) is the run's. */
  async start(): Promise<void> {
    for (const c of this.byCascade.values()) for (const i of c.list) await i.start?.();
  }

  /** The timeline opened `w` (synchronously): per-call injectors act now, the others start their work. */
  onOpen(w: CascadeWindow): void {
    const c = this.byCascade.get(w.name) ?? { none: true, list: [] };
    const now = this.hooks.now;
    const sync = c.list.filter((i) => i.synchronous);
    const later = c.list.filter((i) => !i.synchronous);
    const st: WindowState = {
      w,
      c,
      entries: sync.map((i) => i.open(w, now) as InjectEntry),
      syncLive: sync.length > 0,
      all: unreached(),
      scoped: unreached(),
      startMs: w.start,
      endMs: w.end,
      opened: later.length === 0,
      openP: Promise.resolve(),
      closed: false,
      closeP: null,
    };
    this.states.set(w.cascade_id, st);
    this.live.push(st);
    if (later.length > 0) st.openP = this.openLater(st, later, sync.length === 0);
  }

  private async openLater(st: WindowState, later: Injector[], startsAtConfirmation: boolean): Promise<void> {
    const confirmed: number[] = [];
    await Promise.all(
      later.map(async (i) => {
        const e = await i.open(st.w, this.hooks.now);
        st.entries.push(e);
        if (!e.ok) {
          this.hooks.failed(i.kind, st.w, e.error ?? "failed");
          return;
        }
        const from = Date.parse(e.at) + 1;
        confirmed.push(from);
        if (st.closeP !== null) return; // closed meanwhile: it is being undone, reach nothing new
        const reach = i.reachesAll ? st.all : st.scoped;
        reach.from = Math.min(reach.from, from);
      }),
    );
    // The window opened when its injection was first confirmed (nothing reached a call before): its
    // record starts with the first millisecond a call was reached in.
    if (startsAtConfirmation && confirmed.length > 0) st.startMs = Math.min(...confirmed);
    st.opened = true;
  }

  /** The timeline closed `w` (or the run ends): per-call injectors stop now, the others undo their work. */
  onClose(w: CascadeWindow): void {
    const st = this.states.get(w.cascade_id);
    if (st === undefined || st.closeP !== null) return;
    st.syncLive = false;
    const later = st.c.list.filter((i) => !i.synchronous);
    if (later.length === 0) {
      st.closed = true;
      st.closeP = Promise.resolve();
      this.retire(st);
      return;
    }
    st.closeP = st.openP.then(() => this.closeLater(st, later));
  }

  private async closeLater(st: WindowState, later: Injector[]): Promise<void> {
    let end = st.w.end;
    await Promise.all(
      later.map(async (i) => {
        const entry = st.entries.find((e) => e.by === i.kind);
        if (i.close === undefined || entry === undefined) return;
        const r = await i.close(st.w, this.hooks.now);
        // Calls stamped in the millisecond the undo was confirmed in still carry the id (as the record's
        // end says); none after it.
        const reach = i.reachesAll ? st.all : st.scoped;
        reach.until = Math.min(reach.until, r.at + 1);
        // Only an injection that was in place had anything to undo.
        if (entry.ok) {
          entry.removed_at = iso(r.at);
          // A record's [start, end) holds every call sent until the undo was confirmed, that instant included.
          end = Math.max(end, r.at + 1);
        }
        if (r.error !== undefined) {
          entry.error = entry.error === undefined ? r.error : `${entry.error}; ${r.error}`;
          this.hooks.failed(i.kind, st.w, r.error);
        }
      }),
    );
    // One that reached calls and had no undo to confirm reaches none after this millisecond.
    const next = this.hooks.now() + 1;
    for (const reach of [st.all, st.scoped]) {
      if (reach.from !== Number.POSITIVE_INFINITY && reach.until === Number.POSITIVE_INFINITY) {
        reach.until = next;
        end = Math.max(end, next);
      }
    }
    st.endMs = end;
    st.closed = true;
    this.retire(st);
  }

  /**
   * A closed window reaches no call once its last millisecond is over (plan() takes it out of `live`
   * then, if not now); its state stays only for the closed record that completes it.
   */
  private retire(st: WindowState): void {
    if (this.hooks.now() >= reachEnd(st)) this.unlive(st);
    if (!this.hooks.writesLabels) this.states.delete(st.w.cascade_id);
  }

  private unlive(st: WindowState): void {
    const at = this.live.indexOf(st);
    if (at >= 0) this.live.splice(at, 1);
  }

  /** Windows whose state is kept (open, or closed with their closed record not yet written). */
  get windowsKept(): number {
    return this.states.size;
  }

  /**
   * Fills `plan` for a call about to be sent, stamped `now` (epoch ms, the clock of `hooks.now`): the
   * first live window (by start) that reaches it gives its id, and its per-call injectors act on it.
   * A retry carries the id of the call it retries.
   */
  plan(call: ChosenCall, plan: CallPlan, now: number): void {
    if (call.isRetry && call.retryOf !== null) {
      plan.cascadeId = call.retryOf;
      const st = this.states.get(call.retryOf);
      if (st?.syncLive) this.touch(st, call, plan);
      return;
    }
    if (this.live.length === 0) return;
    const s = this.scratch;
    s.workflow = call.session.workflowName;
    s.user_type = call.session.userType;
    s.endpoint = call.endpoint.template;
    s.at = call.due;
    s.user = call.session.arrival.user;
    for (let i = 0; i < this.live.length; i++) {
      const st = this.live[i]!;
      if (st.closed && now >= reachEnd(st)) {
        this.live.splice(i--, 1);
        continue;
      }
      const all = reaches(st.all, now);
      const scoped = st.syncLive || reaches(st.scoped, now);
      if (!all && !scoped) continue;
      const touched = scoped && inScope(st.w, s);
      if (!all && !touched) continue;
      plan.cascadeId = st.w.cascade_id;
      if (touched) this.touch(st, call, plan);
      return;
    }
  }

  private touch(st: WindowState, call: ChosenCall, plan: CallPlan): void {
    if (!st.syncLive) return;
    for (const i of st.c.list) i.touch?.(st.w, call, plan);
  }

  /**
   * Completes a window's label record with what was injected and appends it to `out`: now when its
   * injection is settled (or `now` is set: the run is being cut), else once it is (`wake` then).
   */
  route(rec: CascadeLabel, out: CascadeLabel[], now = false): void {
    const st = this.states.get(rec.cascade_id);
    if (st === undefined) {
      out.push(rec);
      return;
    }
    const ready = rec.state === "closed" ? st.closed : st.opened;
    if (ready || now) {
      out.push(this.complete(rec, st));
      return;
    }
    const h: Held = { rec, out, done: false };
    this.held.add(h);
    const settled = rec.state === "closed" ? (st.closeP ?? st.openP) : st.openP;
    void settled.then(() => {
      if (h.done) return;
      h.done = true;
      this.held.delete(h);
      out.push(this.complete(rec, st));
      this.hooks.wake();
    });
  }

  /** The run is being cut: records still held go to `out` now, with what is known of them. */
  flushHeld(out: CascadeLabel[]): void {
    for (const h of this.held) {
      h.done = true;
      out.push(this.complete(h.rec, this.states.get(h.rec.cascade_id)!));
    }
    this.held.clear();
  }

  private complete(rec: CascadeLabel, st: WindowState): CascadeLabel {
    if (rec.state === "closed") this.states.delete(rec.cascade_id);
    if (st.c.none) {
      rec.inject = "none";
      return rec;
    }
    const entries = copy(st.entries);
    // An injector still at work when the run is cut says so rather than nothing.
    for (const i of st.c.list) {
      if (!entries.some((e) => e.by === i.kind)) {
        entries.push({
          by: i.kind,
          at: iso(this.hooks.now()),
          ok: false,
          error: "not confirmed before the run ended",
        });
      }
    }
    rec.start = iso(st.startMs);
    if (rec.state === "closed") {
      rec.end = iso(Math.max(st.endMs, st.w.end));
    }
    rec.inject = rec.state === "open" ? entries.map(({ removed_at: _, ...e }) => e) : entries;
    return rec;
  }

  /**
   * Undoes every window still in place (a shutdown, or the run's end) and waits for all the work under
   * way, so that every held record is out before the sinks close.
   */
  async close(): Promise<void> {
    for (const st of [...this.live]) this.onClose(st.w);
    await Promise.all([...this.states.values()].map((st) => st.closeP ?? st.openP));
  }
}
