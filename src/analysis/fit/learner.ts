import { endsSession } from "../../recordings/index.js";
import { END } from "../../workflow/types.js";
import { type EndpointState, EndpointStats, type HistogramState, LogHistogram } from "./stats.js";

/** One recorded call as fit reads it, from Event v1 or an access log line. */
export interface FitCall {
  /**
   * What groups calls into sessions: session_id (a number when it has the engine's form, see
   * SessionKeys), or client address and user agent.
   */
  key: string | number;
  endpoint: string;
  method: string;
  status: number;
  latencyMs: number;
  /** Epoch ms of the request. */
  at: number;
  /** Event v1's call_index; -1 for access logs, which have none. */
  callIndex: number;
  isRetry: boolean;
  userType: string | undefined;
  params: Record<string, string | number>;
  /**
   * Where the learner may keep this endpoint's stats, so that it finds them without a lookup by
   * name: the byte scanner's, one per endpoint it interned; undefined elsewhere.
   */
  slot?: EndpointSlot | undefined;
}

/** One endpoint's stats, kept by the learner that filled it (`owner`) beside a reader's endpoint. */
export interface EndpointSlot {
  owner: FitLearner | undefined;
  stats: EndpointStats | undefined;
}

interface OpenSession {
  last: EndpointStats;
  /** When the last call's response came back, epoch ms. */
  lastEnd: number;
  callIndex: number;
}

/**
 * The first calls of each session key in the first part of a file's second half: its retries before
 * its first other call (`retries`: at and end, in turn) and that call. With the sessions open at the
 * end of the first half, they tell which of those go on in the second (FitLearner.join).
 */
export interface Touch {
  retries: number[];
  first: FirstCall | undefined;
}

/** A key's first call (not a retry) in a file's second half. */
export interface FirstCall {
  at: number;
  callIndex: number;
  endpoint: string;
  userType: string | undefined;
}

/**
 * Records the first calls of each key seen before `until` (epoch ms), on a learner reading a file's
 * second half in time order: a session of the first half can go on only in those (see join).
 */
export class Touches {
  readonly byKey = new Map<string | number, Touch>();

  constructor(readonly until: number) {}

  see(c: FitCall): void {
    if (c.at >= this.until) return;
    let t = this.byKey.get(c.key);
    if (t === undefined) {
      t = { retries: [], first: undefined };
      this.byKey.set(c.key, t);
    }
    if (t.first !== undefined) return;
    if (c.isRetry) t.retries.push(c.at, c.at + c.latencyMs);
    else t.first = { at: c.at, callIndex: c.callIndex, endpoint: c.endpoint, userType: c.userType };
  }
}

/** What a learner learned, as plain data (structured-cloned between threads). */
export interface LearnedState {
  endpoints: EndpointState[];
  entries: [string, number][];
  userTypes: [string, number][];
  think: HistogramState;
  tally: LearnTally;
}

function uncount(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

/** What the learner counted beside the chain. */
export interface LearnTally {
  calls: number;
  sessions: number;
  retries: number;
  duplicates: number;
  /** Most sessions open at once: the learner's memory beside the endpoints. */
  maxOpen: number;
}

/**
 * Rebuilds sessions from calls in (mostly) time order and counts entries, transitions and ends, with
 * one small record per open session. A session closes (its last endpoint counts a `$end`) after
 * `gapMs` without a call, when its call_index starts again or goes back, or at the end of the input.
 */
export class FitLearner {
  readonly endpoints = new Map<string, EndpointStats>();
  readonly entries = new Map<string, number>();
  /** User type → sessions (not users: counting users would hold every user id in memory). */
  readonly userTypes = new Map<string, number>();
  readonly think = new LogHistogram();
  readonly tally: LearnTally = { calls: 0, sessions: 0, retries: 0, duplicates: 0, maxOpen: 0 };
  private readonly open = new Map<string | number, OpenSession>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly gapMs: number) {}

  /** Set on the learner of a file's second half (see Touches). */
  touches: Touches | null = null;

  add(c: FitCall): void {
    let s = this.open.get(c.key);
    // A session silent for a gap is over when the next call of its key comes, a retry too, as a sweep
    // would have closed it: on input in time order, what fit learns does not hang on when sweeps ran.
    if (s !== undefined && endsSession(s.lastEnd, c.at, this.gapMs)) {
      this.close(c.key, s);
      s = undefined;
    }
    if (s === undefined && this.touches !== null) this.touches.see(c);
    if (s !== undefined && c.callIndex >= 0 && c.callIndex === s.callIndex && c.endpoint === s.last.name) {
      if (!c.isRetry) {
        this.tally.duplicates++;
        return;
      }
    }
    const slot = c.slot;
    let stats: EndpointStats;
    if (slot !== undefined && slot.owner === this) stats = slot.stats!;
    else {
      stats = this.endpoint(c.endpoint);
      if (slot !== undefined) {
        slot.owner = this;
        slot.stats = stats;
      }
    }
    stats.addCall(c.method, c.status, c.latencyMs, c.params);
    this.tally.calls++;
    if (c.isRetry) {
      this.tally.retries++;
      if (s !== undefined) s.lastEnd = Math.max(s.lastEnd, c.at + c.latencyMs);
      return;
    }
    if (s !== undefined && c.callIndex >= 0 && c.callIndex <= s.callIndex) {
      this.close(c.key, s);
      s = undefined;
    }
    if (s === undefined) this.start(c, stats);
    else {
      s.last.count(stats);
      this.think.add(c.at - s.lastEnd);
      s.last = stats;
      s.lastEnd = c.at + c.latencyMs;
      s.callIndex = c.callIndex;
    }
    if (c.at - this.lastSweep >= this.gapMs) this.sweep(c.at);
  }

  /** Closes every open session; call once at the end of the input. */
  finish(): void {
    for (const [key, s] of this.open) this.close(key, s);
  }

  private start(c: FitCall, stats: EndpointStats): void {
    this.open.set(c.key, { last: stats, lastEnd: c.at + c.latencyMs, callIndex: c.callIndex });
    if (this.open.size > this.tally.maxOpen) this.tally.maxOpen = this.open.size;
    this.tally.sessions++;
    this.entries.set(c.endpoint, (this.entries.get(c.endpoint) ?? 0) + 1);
    if (c.userType !== undefined) this.userTypes.set(c.userType, (this.userTypes.get(c.userType) ?? 0) + 1);
  }

  private close(key: string | number, s: OpenSession): void {
    s.last.count(END);
    this.open.delete(key);
  }

  // Once per gap of input time: close the sessions silent for a gap, so memory follows open sessions.
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, s] of this.open) if (endsSession(s.lastEnd, now, this.gapMs)) this.close(key, s);
  }

  /** What this learner learned, as plain data (to another thread); call finish() first. */
  state(): LearnedState {
    return {
      endpoints: [...this.endpoints.values()].map((e) => e.state()),
      entries: [...this.entries],
      userTypes: [...this.userTypes],
      think: this.think.state(),
      tally: { ...this.tally },
    };
  }

  /**
   * Joins what a learner of the rest of the input learned (`tail`, from its start, in time order) to
   * this one, which read the input up to there and is not finished: each session open here either
   * goes on in the tail (its first call there was counted as a new session's: taken back, and the
   * transition counted here), ends there, or ends before it. `touches` are the tail's first calls by
   * this learner's session keys. Returns false, changing nothing, when the tail's first calls cannot
   * tell (a session's key not seen in them while it could still go on, or a first call that is a
   * duplicate of this side's last): the caller then reads the rest itself.
   */
  join(tail: LearnedState, touches: ReadonlyMap<string | number, Touch>, touchedUntil: number): boolean {
    const decided: { key: string | number; s: OpenSession; goesOn: FirstCall | null; lastEnd: number }[] = [];
    for (const [key, s] of this.open) {
      const t = touches.get(key);
      let lastEnd = s.lastEnd;
      let ended = false;
      for (let i = 0; t !== undefined && i < t.retries.length && !ended; i += 2) {
        if (endsSession(lastEnd, t.retries[i]!, this.gapMs)) ended = true;
        else lastEnd = Math.max(lastEnd, t.retries[i + 1]!);
      }
      const first = t?.first;
      if (!ended && first === undefined) {
        // No call of its own in the tail's first calls: it ends unless a later one could still find it open.
        if (!endsSession(lastEnd, touchedUntil, this.gapMs)) return false;
        ended = true;
      }
      if (ended || first === undefined || endsSession(lastEnd, first.at, this.gapMs)) {
        decided.push({ key, s, goesOn: null, lastEnd });
        continue;
      }
      if (first.callIndex >= 0 && first.callIndex === s.callIndex && first.endpoint === s.last.name)
        return false;
      const goesOn = first.callIndex >= 0 && first.callIndex <= s.callIndex ? null : first;
      decided.push({ key, s, goesOn, lastEnd });
    }
    this.absorb(tail);
    for (const { key, s, goesOn, lastEnd } of decided) {
      this.open.delete(key);
      if (goesOn === null) {
        s.last.count(END);
        continue;
      }
      s.last.count(this.endpoint(goesOn.endpoint));
      this.think.add(goesOn.at - lastEnd);
      this.tally.sessions--;
      uncount(this.entries, goesOn.endpoint);
      if (goesOn.userType !== undefined) uncount(this.userTypes, goesOn.userType);
    }
    return true;
  }

  // The tail's counts added to this learner's; its endpoints by name.
  private absorb(tail: LearnedState): void {
    const open = this.open.size;
    for (const e of tail.endpoints) this.endpoint(e.name).merge(e, (name) => this.endpoint(name));
    for (const [name, n] of tail.entries) this.entries.set(name, (this.entries.get(name) ?? 0) + n);
    for (const [name, n] of tail.userTypes) this.userTypes.set(name, (this.userTypes.get(name) ?? 0) + n);
    this.think.merge(tail.think);
    const t = this.tally;
    t.calls += tail.tally.calls;
    t.sessions += tail.tally.sessions;
    t.retries += tail.tally.retries;
    t.duplicates += tail.tally.duplicates;
    // At most: the sessions open here at the join may have stayed open beside the tail's.
    t.maxOpen = Math.max(t.maxOpen, tail.tally.maxOpen + open);
  }

  private endpoint(name: string): EndpointStats {
    let e = this.endpoints.get(name);
    if (e === undefined) {
      e = new EndpointStats(name, this.endpoints.size);
      this.endpoints.set(name, e);
    }
    return e;
  }
}
