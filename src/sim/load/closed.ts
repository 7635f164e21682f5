import type { Shard } from "../plan.js";
import type { Arrival } from "../session.js";
import { UserDraws } from "./common.js";
import type { LoadModel, WorkflowShare } from "./types.js";
import { UserHeap } from "./user-heap.js";

export interface ClosedLoadOptions {
  key: number;
  startMs: number;
  /** Concurrent users (over all shards). */
  users: number;
  /** Mean pause between a user's sessions; also the span over which the users' first sessions are spread. */
  pauseMs: number;
  workflows: readonly WorkflowShare[];
  shard: Shard;
}

const CLOSED = 0x636c6f73;

/** What a user of this shard is doing. */
const IDLE = 0;
const WAITING = 1;
const IN_FLIGHT = 2;

/**
 * Closed load: a fixed population, each user looping sessions forever with a pause between them.
 * Per user it holds a session counter and a state byte; waiting users sit in a typed-array heap.
 */
export class ClosedLoad implements LoadModel {
  private readonly draws: UserDraws;
  private readonly heap = new UserHeap();
  private sessions = new Uint32Array(0);
  private state = new Uint8Array(0);
  private users = 0;
  private stop = Number.POSITIVE_INFINITY;
  private inFlight = 0;

  constructor(private readonly o: ClosedLoadOptions) {
    this.draws = new UserDraws(o.key, CLOSED, o.workflows);
    this.grow(o.users, o.startMs);
  }

  /** Users of this shard with a session in flight or waiting to start one. */
  get activeUsers(): number {
    return this.inFlight + this.heap.size;
  }

  /** Virtual time of the next session start; Infinity when none is to come before the stop. */
  peek(): number {
    const at = this.heap.peekAt();
    return at < this.stop ? at : Number.POSITIVE_INFINITY;
  }

  /** Takes the next session start, in time order and by user on ties; call only when peek() is finite. */
  take(): Arrival {
    const heap = this.heap;
    const at = heap.peekAt();
    const user = heap.peekUser();
    heap.pop();
    const local = this.local(user);
    this.state[local] = IN_FLIGHT;
    this.inFlight++;
    const d = this.draws;
    return { user, session: this.sessions[local]!++, at, workflow: d.workflow(user), typeU: d.typeU(user) };
  }

  /** The user pauses, then starts the next session; unless the population shrank below them or the run stops. */
  onSessionEnd(s: { arrival: Arrival; due: number }): void {
    const { user, session } = s.arrival;
    const local = this.local(user);
    this.inFlight--;
    this.state[local] = IDLE;
    if (user >= this.users) return;
    const at = Math.floor(s.due + this.draws.spread(user, session) * this.o.pauseMs);
    if (at >= this.stop) return;
    this.state[local] = WAITING;
    this.heap.push(at, user);
  }

  /** No session starts at or after `virtualMs`; a later call can only move the stop earlier. */
  stopAt(virtualMs: number): void {
    this.stop = Math.min(this.stop, virtualMs);
    this.dropWaiting((at) => at >= this.stop);
  }

  /**
   * Resizes the population from `atMs` on: new users start their first session within one pause after it;
   * users beyond `n` finish the session they are in and start no other. Every shard must get the same call.
   */
  setUsers(n: number, atMs: number): void {
    if (n > this.users) this.grow(n, atMs);
    else if (n < this.users) {
      this.users = n;
      this.dropWaiting((_, user) => user >= n);
    }
  }

  private local(user: number): number {
    return (user - this.o.shard.index) / this.o.shard.count;
  }

  /** Adds this shard's users in [users, n), each starting at `fromMs` plus its stagger. */
  private grow(n: number, fromMs: number): void {
    const { index, count } = this.o.shard;
    const size = n > index ? Math.ceil((n - index) / count) : 0;
    this.reserve(size);
    this.heap.reserve(size);
    const first = this.users > index ? Math.ceil((this.users - index) / count) : 0;
    for (let local = first; local < size; local++) {
      // A user dropped by a shrink may still be in its last session: its end will queue it again.
      if (this.state[local] !== IDLE) continue;
      const user = local * count + index;
      const at = Math.floor(fromMs + this.draws.stagger(user) * this.o.pauseMs);
      if (at >= this.stop) continue;
      this.state[local] = WAITING;
      this.heap.append(at, user);
    }
    this.heap.heapify();
    this.users = n;
  }

  private dropWaiting(drop: (at: number, user: number) => boolean): void {
    this.heap.filter((at, user) => {
      if (!drop(at, user)) return true;
      this.state[this.local(user)] = IDLE;
      return false;
    });
  }

  private reserve(size: number): void {
    if (size <= this.state.length) return;
    const sessions = new Uint32Array(size);
    const state = new Uint8Array(size);
    sessions.set(this.sessions);
    state.set(this.state);
    this.sessions = sessions;
    this.state = state;
  }
}
