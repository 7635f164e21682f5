import { MinHeap, type Scheduled } from "../heap.js";
import type { Shard } from "../plan.js";
import { hashUniform } from "../rng.js";
import type { Arrival } from "../session.js";
import { UserDraws } from "./common.js";
import { RateSchedule, type Segment, type Stage } from "./rate.js";
import type { LoadModel, WorkflowShare } from "./types.js";

export interface OpenLoadOptions {
  key: number;
  startMs: number;
  /** Users arriving per virtual second at the start. */
  arrivalRate: number;
  stages: readonly Stage[];
  /** 24 multipliers of the rate by virtual UTC hour. */
  dailyCurve?: readonly number[];
  sessionsPerUser: { mean: number; std: number };
  sessionGapMs: number;
  workflows: readonly WorkflowShare[];
  shard: Shard;
}

const OPEN = 0x6f70656e;
const POISSON = 0x706f6973;
const TWO_32 = 2 ** 32;

/** Where the global arrival process stands: its time, the candidates drawn, the users accepted. */
interface Cursor {
  t: number;
  candidates: number;
  users: number;
}

/** The next arrival of this shard's users and the process state just after it. */
interface Lookahead extends Cursor {
  at: number;
}

/** A user's later session, waiting for its start. */
interface Pending extends Scheduled {
  arrival: Arrival;
}

const NONE: Lookahead = { at: Number.POSITIVE_INFINITY, t: 0, candidates: 0, users: 0 };

/**
 * Open load: users arrive as a non-homogeneous Poisson process in virtual time, sampled exactly by
 * thinning with counter-based draws. Every shard walks the whole process and keeps its own users, so
 * the union of the shards' arrivals is the unsharded run's. Each user runs several sessions with gaps.
 */
export class OpenLoad implements LoadModel {
  private readonly schedule: RateSchedule;
  private readonly draws: UserDraws;
  private readonly pending = new MinHeap<Pending>();
  private readonly seg: Segment = { end: 0, bound: 0 };
  private committed: Cursor;
  private look: Lookahead | null = null;
  private stop = Number.POSITIVE_INFINITY;
  private inFlight = 0;

  constructor(private readonly o: OpenLoadOptions) {
    this.schedule = new RateSchedule(o.startMs, o.arrivalRate, o.stages, o.dailyCurve);
    this.draws = new UserDraws(o.key, OPEN, o.workflows);
    this.committed = { t: o.startMs, candidates: 0, users: 0 };
  }

  /** Users with a session in flight or a later session waiting. */
  get activeUsers(): number {
    return this.inFlight + this.pending.size;
  }

  /** Virtual time of the next arrival (first or later session); Infinity when none is to come before the stop. */
  peek(): number {
    const top = this.pending.peek();
    const at = Math.min(top === undefined ? Number.POSITIVE_INFINITY : top.due, this.lookahead().at);
    return at < this.stop ? at : Number.POSITIVE_INFINITY;
  }

  /** Takes the next arrival, in time order and by (user, session) on ties; call only when peek() is finite. */
  take(): Arrival {
    const top = this.pending.peek();
    const look = this.lookahead();
    this.inFlight++;
    if (
      top !== undefined &&
      (top.due < look.at || (top.due === look.at && top.order < (look.users - 1) * 65536))
    ) {
      this.pending.pop();
      return top.arrival;
    }
    this.committed = { t: look.t, candidates: look.candidates, users: look.users };
    this.look = null;
    const user = look.users - 1;
    const d = this.draws;
    return { user, session: 0, at: look.at, workflow: d.workflow(user), typeU: d.typeU(user) };
  }

  /** Schedules the user's next session, if they have one, a gap after this one ended. */
  onSessionEnd(s: { arrival: Arrival; due: number }): void {
    this.inFlight--;
    const a = s.arrival;
    const spu = this.o.sessionsPerUser;
    if (a.session + 1 >= this.draws.sessionCount(a.user, spu.mean, spu.std)) return;
    const at = Math.floor(s.due + this.draws.spread(a.user, a.session) * this.o.sessionGapMs);
    if (at >= this.stop) return;
    const next: Arrival = { user: a.user, session: a.session + 1, at, workflow: a.workflow, typeU: a.typeU };
    this.pending.push({ due: at, order: a.user * 65536 + next.session, arrival: next });
  }

  /** No arrival at or after `virtualMs`; a later call can only move the stop earlier. */
  stopAt(virtualMs: number): void {
    this.stop = Math.min(this.stop, virtualMs);
    const kept: Pending[] = [];
    for (let p = this.pending.pop(); p !== undefined; p = this.pending.pop())
      if (p.due < this.stop) kept.push(p);
    for (const p of kept) this.pending.push(p);
  }

  /**
   * From `atMs` on the base arrival rate is `rate` (still shaped by the daily curve); stages no longer apply.
   * Arrivals already taken stay; the process is re-drawn from the last one taken. Every shard must get the same call.
   */
  setRate(rate: number, atMs: number): void {
    this.schedule.set(rate, atMs);
    this.look = null;
  }

  private lookahead(): Lookahead {
    if (this.look !== null) return this.look;
    const { index, count } = this.o.shard;
    const c: Cursor = { ...this.committed };
    let look = NONE;
    while (this.advance(c)) {
      if ((c.users - 1) % count === index) {
        look = { at: Math.floor(c.t), t: c.t, candidates: c.candidates, users: c.users };
        break;
      }
    }
    this.look = look;
    return look;
  }

  /** Moves `c` to the next arrival of the global process before the stop; false when there is none. */
  private advance(c: Cursor): boolean {
    const sched = this.schedule;
    const seg = this.seg;
    for (;;) {
      if (c.t >= this.stop || sched.zeroFrom(c.t)) return false;
      sched.segment(c.t, seg);
      if (!(seg.bound > 0)) {
        if (seg.end === Number.POSITIVE_INFINITY) return false;
        c.t = seg.end;
        continue;
      }
      const n = c.candidates++;
      const lo = n % TWO_32;
      const hi = (n - lo) / TWO_32;
      const gap = (-Math.log(1 - hashUniform(this.o.key, lo, hi * 2, POISSON)) * 1000) / seg.bound;
      // A candidate past the stretch is dropped and the draw restarts at its end: exact, as the process is memoryless.
      if (c.t + gap >= seg.end) {
        c.t = seg.end;
        continue;
      }
      c.t += gap;
      if (hashUniform(this.o.key, lo, hi * 2 + 1, POISSON) * seg.bound < sched.rateAt(c.t)) {
        c.users++;
        return Math.floor(c.t) < this.stop;
      }
    }
  }
}
