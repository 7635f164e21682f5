import { endsSession } from "../../recordings/index.js";
import { END } from "../../workflow/types.js";
import { EndpointStats, LogHistogram } from "./stats.js";

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

  add(c: FitCall): void {
    let s = this.open.get(c.key);
    // A session silent for a gap is over when the next call of its key comes, a retry too, as a sweep
    // would have closed it: on input in time order, what fit learns does not hang on when sweeps ran.
    if (s !== undefined && endsSession(s.lastEnd, c.at, this.gapMs)) {
      this.close(c.key, s);
      s = undefined;
    }
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

  private endpoint(name: string): EndpointStats {
    let e = this.endpoints.get(name);
    if (e === undefined) {
      e = new EndpointStats(name, this.endpoints.size);
      this.endpoints.set(name, e);
    }
    return e;
  }
}
