import { ErrorCode, TwError } from "../errors.js";
import type { TraceEvent } from "../event/index.js";
import { END } from "../workflow/types.js";
import { START } from "./model.js";
import { RecentMap } from "./recent.js";

/** The fields of Event v1 that verify reads. */
export type PathEvent = Pick<
  TraceEvent,
  "workflow" | "user_id" | "user_type" | "session_id" | "call_index" | "endpoint" | "is_retry"
>;

/** What the input held, beside the transitions. */
export interface Tally {
  events: number;
  /** Events of other workflows than the one verified, left out. */
  otherWorkflow: number;
  retries: number;
  /** Repeated (session, call_index) pairs with the same endpoint, as at-least-once delivery produces. */
  duplicates: number;
  sessions: number;
  /** Sessions that stopped at a non-exit endpoint after exactly max_length calls. */
  truncated: number;
  /** Sessions with more than max_length calls, which the generator never produces. */
  overLength: number;
  users: number;
  /** Users seen with more than one user type; the first one seen is counted. */
  userTypeConflicts: number;
  /** Live streams only: sessions first seen after their call_index 0, left out (their entry is unseen). */
  joinedLate?: number;
  /**
   * Live streams only: sessions whose end is not counted: still open at the stop, or idle so long
   * that they were forgotten (see CounterOptions.memory).
   */
  openAtStop?: number;
}

/** Transition counts and user types rebuilt from a stream of events. */
export interface Observations {
  /** Source → target → count; `(start)` is the source of entries, `$end` the target of ends. */
  rows: Map<string, Map<string, number>>;
  /** User type → number of users (each user counted once, with the first type seen). */
  userTypes: Map<string, number>;
  tally: Tally;
  /** Up to a few names of the other workflows seen. */
  otherWorkflows: string[];
}

export interface CounterOptions {
  workflow: string;
  exitPoints: Iterable<string>;
  maxLength: number;
  /** Sessions known to arrive out of call_index order: buffered whole and sorted at the end. */
  buffered?: ReadonlySet<string>;
  /**
   * A live stream (a Kafka topic read from some point for a while): a session first seen after its
   * call_index 0 is left out, since its entry and first steps are gone; and a session still open at
   * `finish` is censored, not ended, because a stream cut at an arbitrary moment cannot tell a session
   * that ended from one that is still running. Ends (`$end`) are then never counted.
   */
  live?: boolean;
  /**
   * Live streams only: how many sessions, users and late joiners are remembered, per generation of a
   * RecentMap (default LIVE_MEMORY). A session that reaches an exit point is counted and forgotten
   * (later copies of its calls count as duplicates while it is remembered as done); one idle for
   * longer than a generation is forgotten, its end uncounted; a user seen again after being
   * forgotten counts again. So memory stays flat however long the stream.
   */
  memory?: number;
}

/** Sessions, users and late joiners a live count remembers per generation. */
export const LIVE_MEMORY = 65_536;

const STRIDE = 2 ** 21;
const START_ID = 0;
const END_ID = 1;

/**
 * Rebuilds sessions from events and counts their transitions in one pass, with a few bytes of state per
 * session (last call_index, last endpoint, call count). A session whose calls arrive out of order is
 * reported in `outOfOrder`; its counts are then wrong, so the caller runs again with it in `buffered`.
 */
export class SessionCounter {
  /** Session id → where its first out-of-order event was read. */
  readonly outOfOrder = new Map<string, string>();
  private readonly opts: CounterOptions;
  private readonly names: string[] = [START, END];
  private readonly ids = new Map<string, number>([
    [START, START_ID],
    [END, END_ID],
  ]);
  private readonly exits = new Set<number>();
  private readonly counts = new Map<number, number>();
  private readonly sessions: RecentMap<number>;
  /** Slots of forgotten sessions, for reuse; `slots` were ever allocated. */
  private readonly free: number[] = [];
  private slots = 0;
  /** Sessions opened (counted), and those remembered that are over max_length (live). */
  private opened = 0;
  private overInMap = 0;
  /** Live: sessions forgotten while idle (their end unseen). */
  private idleForgotten = 0;
  private lastCall = new Float64Array(1024);
  private lastEp = new Int32Array(1024);
  private length = new Int32Array(1024);
  private readonly pending = new Map<string, number[]>();
  private readonly users: RecentMap<string>;
  private usersSeen = 0;
  private readonly userTypes = new Map<string, number>();
  private readonly others = new Set<string>();
  private readonly late: RecentMap<true>;
  private lateCount = 0;
  /** Live: sessions that reached an exit point and were forgotten, remembered as done. */
  private readonly done: RecentMap<true>;
  private readonly tally: Tally = {
    events: 0,
    otherWorkflow: 0,
    retries: 0,
    duplicates: 0,
    sessions: 0,
    truncated: 0,
    overLength: 0,
    users: 0,
    userTypeConflicts: 0,
  };

  constructor(opts: CounterOptions) {
    this.opts = opts;
    for (const e of opts.exitPoints) this.exits.add(this.intern(e));
    const memory = opts.live ? (opts.memory ?? LIVE_MEMORY) : Number.POSITIVE_INFINITY;
    this.sessions = new RecentMap(memory, (_, slot) => {
      this.idleForgotten++;
      this.release(slot);
    });
    this.users = new RecentMap(memory);
    this.late = new RecentMap(memory);
    this.done = new RecentMap(memory);
  }

  /** Takes one event; `where` (file:line) names it in errors. */
  add(ev: PathEvent, where: string): void {
    this.tally.events++;
    if (ev.workflow !== this.opts.workflow) {
      this.tally.otherWorkflow++;
      if (this.others.size < 5) this.others.add(ev.workflow);
      return;
    }
    if (ev.is_retry) {
      this.tally.retries++;
      return;
    }
    if (this.opts.live && this.done.has(ev.session_id)) {
      this.tally.duplicates++;
      return;
    }
    if (this.opts.live && this.skipLate(ev)) return;
    this.noteUser(ev.user_id, ev.user_type);
    const ep = this.intern(ev.endpoint);
    if (this.opts.buffered?.has(ev.session_id)) {
      const calls = this.pending.get(ev.session_id);
      if (calls) calls.push(ev.call_index, ep);
      else this.pending.set(ev.session_id, [ev.call_index, ep]);
      return;
    }
    const s = this.sessions.get(ev.session_id);
    if (s === undefined) this.open(ev.session_id, ev.call_index, ep);
    else this.step(s, ev, ep, where);
  }

  /** Closes every session and returns the counts; call once, after the last event. */
  finish(): Observations {
    if (this.opts.live) return this.censor();
    for (const s of this.sessions.values()) this.close(this.lastEp[s]!, this.length[s]!);
    for (const [id, calls] of this.pending) this.replay(id, calls);
    return this.observations();
  }

  /** The counts so far, every open session censored (live streams); changes nothing, call any time. */
  snapshot(): Observations {
    return this.censor();
  }

  /** Live: kept up as events come (sessions at an exit point are forgotten), so no session is walked. */
  private censor(): Observations {
    const obs = this.observations();
    obs.tally.openAtStop = this.sessions.size - this.overInMap + this.idleForgotten;
    return obs;
  }

  private observations(): Observations {
    this.tally.sessions = this.opened + this.pending.size;
    const userTypes = new Map(this.userTypes);
    this.tally.users = this.usersSeen;
    const tally = { ...this.tally };
    if (this.opts.live) tally.joinedLate = this.lateCount;
    return { rows: this.rows(), userTypes, tally, otherWorkflows: [...this.others] };
  }

  /** True (and the session is remembered as left out) when a live stream shows a session mid-way. */
  private skipLate(ev: PathEvent): boolean {
    if (this.late.has(ev.session_id)) return true;
    if (ev.call_index === 0 || this.sessions.has(ev.session_id)) return false;
    this.late.set(ev.session_id, true);
    this.lateCount++;
    return true;
  }

  private intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  private noteUser(user: string, type: string): void {
    const seen = this.users.get(user);
    if (seen === undefined) {
      this.users.set(user, type);
      this.usersSeen++;
      this.userTypes.set(type, (this.userTypes.get(type) ?? 0) + 1);
    } else if (seen !== type) this.tally.userTypeConflicts++;
  }

  private bump(source: number, target: number): void {
    const key = source * STRIDE + target;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private open(id: string, call: number, ep: number): void {
    let s = this.free.pop();
    if (s === undefined) {
      s = this.slots++;
      if (s === this.lastCall.length) this.grow();
    }
    this.opened++;
    this.sessions.set(id, s);
    this.lastCall[s] = call;
    this.lastEp[s] = ep;
    this.length[s] = 1;
    this.bump(START_ID, ep);
    if (this.opts.live) this.afterStep(id, s, ep);
  }

  /** Live: a session at an exit point is done (counted, forgotten); one over max_length is counted once. */
  private afterStep(id: string, s: number, ep: number): void {
    if (this.length[s] === this.opts.maxLength + 1) {
      this.tally.overLength++;
      this.overInMap++;
    }
    if (!this.exits.has(ep)) return;
    this.sessions.delete(id);
    this.release(s);
    this.done.set(id, true);
  }

  /** Frees a forgotten session's slot. */
  private release(s: number): void {
    if (this.length[s]! > this.opts.maxLength) this.overInMap--;
    this.free.push(s);
  }

  private step(s: number, ev: PathEvent, ep: number, where: string): void {
    const last = this.lastCall[s]!;
    if (ev.call_index > last) {
      this.bump(this.lastEp[s]!, ep);
      this.lastCall[s] = ev.call_index;
      this.lastEp[s] = ep;
      this.length[s]!++;
      if (this.opts.live) this.afterStep(ev.session_id, s, ep);
    } else if (ev.call_index === last) {
      this.duplicate(ev.session_id, ev.call_index, this.lastEp[s]!, ep, where);
    } else if (!this.outOfOrder.has(ev.session_id)) {
      this.outOfOrder.set(ev.session_id, where);
    }
  }

  private duplicate(id: string, call: number, had: number, got: number, where: string): void {
    if (had !== got) {
      throw new TwError(
        ErrorCode.INPUT_INVALID,
        `${where}: session "${id}" has call_index ${call} twice, at "${this.names[had]}" and "${this.names[got]}"`,
      );
    }
    this.tally.duplicates++;
  }

  /** Counts the end of a session: nothing after an exit point or a cut at max_length, else a step to `$end`. */
  private close(ep: number, calls: number): void {
    if (calls > this.opts.maxLength) this.tally.overLength++;
    if (this.exits.has(ep) || calls > this.opts.maxLength) return;
    if (calls === this.opts.maxLength) this.tally.truncated++;
    else this.bump(ep, END_ID);
  }

  /** Counts a buffered session after sorting its calls by call_index. */
  private replay(id: string, flat: number[]): void {
    const order = Array.from({ length: flat.length / 2 }, (_, i) => i);
    order.sort((a, b) => flat[2 * a]! - flat[2 * b]!);
    let prevCall = Number.NaN;
    let prevEp = START_ID;
    let length = 0;
    for (const i of order) {
      const call = flat[2 * i]!;
      const ep = flat[2 * i + 1]!;
      if (call === prevCall) {
        this.duplicate(id, call, prevEp, ep, "input");
        continue;
      }
      this.bump(prevEp, ep);
      prevCall = call;
      prevEp = ep;
      length++;
    }
    this.close(prevEp, length);
  }

  private rows(): Map<string, Map<string, number>> {
    const rows = new Map<string, Map<string, number>>();
    for (const [key, n] of this.counts) {
      const source = this.names[Math.floor(key / STRIDE)]!;
      const target = this.names[key % STRIDE]!;
      const row = rows.get(source) ?? new Map<string, number>();
      rows.set(source, row.set(target, n));
    }
    return rows;
  }

  private grow(): void {
    const size = this.lastCall.length * 2;
    const lastCall = new Float64Array(size);
    lastCall.set(this.lastCall);
    const lastEp = new Int32Array(size);
    lastEp.set(this.lastEp);
    const length = new Int32Array(size);
    length.set(this.length);
    this.lastCall = lastCall;
    this.lastEp = lastEp;
    this.length = length;
  }
}
