import { hashHead, hashTag, hashUniformAt } from "./rng.js";
import type { Arrival } from "./session.js";

/** Which users this process runs: those whose index is `index` mod `count`. */
export interface Shard {
  index: number;
  count: number;
}

export interface OfflinePlanOptions {
  key: number;
  users: number;
  sessionsPerUser: { mean: number; std: number };
  startMs: number;
  durationMs: number;
  shard: Shard;
  /** Most session starts held in memory at once (one window of the plan). */
  windowCapacity?: number;
}

const PLAN = 0x706c616e;
const MAX_SESSIONS_PER_USER = 65535;

const PLAN_TAG = hashTag(PLAN);

/**
 * The plan of one user, drawn from a counter-based hash of (seed, user) so it can be re-derived at will:
 * how many sessions, the type draw, and each session's start, uniform over the date range. Each takes
 * the user's `head`, hashHead(o.key, user), made once per user.
 */
function userSessionCount(o: OfflinePlanOptions, head: number): number {
  const u1 = 1 - hashUniformAt(head, 0, PLAN_TAG);
  const u2 = hashUniformAt(head, 1, PLAN_TAG);
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  const n = Math.round(o.sessionsPerUser.mean + o.sessionsPerUser.std * z);
  return Math.min(MAX_SESSIONS_PER_USER, Math.max(1, n));
}

function userTypeU(head: number): number {
  return hashUniformAt(head, 2, PLAN_TAG);
}

function sessionStart(o: OfflinePlanOptions, head: number, session: number): number {
  return o.startMs + Math.floor(hashUniformAt(head, 3 + session, PLAN_TAG) * o.durationMs);
}

/**
 * Sorts numbers ascending in place (quicksort, median of three, insertion sort for short runs).
 * TypedArray.prototype.sort allocates a work array as large as the input, which would double the
 * memory a window of session starts needs.
 */
export function sortInPlace<T extends Float64Array>(a: T): T {
  const stack: number[] = [0, a.length - 1];
  while (stack.length > 0) {
    let hi = stack.pop()!;
    let lo = stack.pop()!;
    while (hi - lo > 16) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! < a[lo]!) swap(a, mid, lo);
      if (a[hi]! < a[lo]!) swap(a, hi, lo);
      if (a[hi]! < a[mid]!) swap(a, hi, mid);
      const pivot = a[mid]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (a[i]! < pivot) i++;
        while (a[j]! > pivot) j--;
        if (i <= j) swap(a, i++, j--);
      }
      // Keep the larger part for later and go on with the smaller: the stack stays O(log n).
      if (j - lo < hi - i) {
        stack.push(i, hi);
        hi = j;
      } else {
        stack.push(lo, j);
        lo = i;
      }
    }
    insertionSort(a, lo, hi);
  }
  return a;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function insertionSort(a: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

/** Counts the sessions of this shard's users per time bucket: the only pass whose memory grows with time span. */
function countBuckets(o: OfflinePlanOptions, bucketMs: number, buckets: number): Float64Array {
  const counts = new Float64Array(buckets);
  for (let user = o.shard.index; user < o.users; user += o.shard.count) {
    const head = hashHead(o.key, user);
    const n = userSessionCount(o, head);
    for (let s = 0; s < n; s++) counts[Math.floor((sessionStart(o, head, s) - o.startMs) / bucketMs)]!++;
  }
  return counts;
}

interface Window {
  from: number;
  to: number;
  count: number;
}

function planWindows(o: OfflinePlanOptions, capacity: number): Window[] {
  const buckets = Math.max(1, Math.min(1_000_000, Math.ceil(o.durationMs / 60_000)));
  const bucketMs = Math.ceil(o.durationMs / buckets);
  const counts = countBuckets(o, bucketMs, buckets);
  // A window key is (offset * users + user); it must stay an exact integer in a double.
  const maxSpan = Math.floor(2 ** 52 / Math.max(1, o.users));
  const windows: Window[] = [];
  let cur: Window = { from: o.startMs, to: o.startMs, count: 0 };
  for (let b = 0; b < buckets; b++) {
    const end = o.startMs + (b + 1) * bucketMs;
    if (cur.count > 0 && (cur.count + counts[b]! > capacity || end - cur.from > maxSpan)) {
      windows.push(cur);
      cur = { from: cur.to, to: cur.to, count: 0 };
    }
    cur.to = end;
    cur.count += counts[b]!;
  }
  windows.push(cur);
  return windows.filter((w) => w.count > 0);
}

/**
 * The arrivals of an offline run in time order, with memory bounded by one window of session starts:
 * the users are re-derived once per window instead of keeping every future session in memory.
 */
export class OfflineArrivals {
  readonly totalSessions: number;
  /** Users of this shard. */
  readonly totalUsers: number;
  private readonly windows: Window[];
  private w = -1;
  private keys = new Float64Array(0);
  private i = 0;
  private dupUser = -1;
  private dupAt = -1;
  private dupSkip = 0;
  private nextArrival: Arrival | null = null;

  constructor(private readonly o: OfflinePlanOptions) {
    this.windows = planWindows(o, o.windowCapacity ?? 1 << 20);
    this.totalSessions = this.windows.reduce((a, w) => a + w.count, 0);
    this.totalUsers = Math.max(0, Math.ceil((o.users - o.shard.index) / o.shard.count));
    this.advance();
  }

  /** Virtual time of the next arrival, or Infinity when the plan is exhausted. */
  peek(): number {
    return this.nextArrival === null ? Number.POSITIVE_INFINITY : this.nextArrival.at;
  }

  /** Takes the next arrival (call only when peek() is finite). */
  take(): Arrival {
    const a = this.nextArrival!;
    this.advance();
    return a;
  }

  private loadWindow(win: Window): void {
    const o = this.o;
    const keys = new Float64Array(win.count);
    let k = 0;
    for (let user = o.shard.index; user < o.users; user += o.shard.count) {
      const head = hashHead(o.key, user);
      const n = userSessionCount(o, head);
      for (let s = 0; s < n; s++) {
        const at = sessionStart(o, head, s);
        if (at >= win.from && at < win.to) keys[k++] = (at - win.from) * o.users + user;
      }
    }
    this.keys = sortInPlace(keys);
    this.i = 0;
  }

  private advance(): void {
    while (this.i >= this.keys.length) {
      if (++this.w >= this.windows.length) {
        this.nextArrival = null;
        return;
      }
      this.loadWindow(this.windows[this.w]!);
    }
    const o = this.o;
    const key = this.keys[this.i++]!;
    const user = key % o.users;
    const at = this.windows[this.w]!.from + (key - user) / o.users;
    // Two sessions of one user may start in the same millisecond: their keys are equal; take them by number.
    this.dupSkip = user === this.dupUser && at === this.dupAt ? this.dupSkip + 1 : 0;
    this.dupUser = user;
    this.dupAt = at;
    const head = hashHead(o.key, user);
    const n = userSessionCount(o, head);
    let seen = 0;
    let session = 0;
    for (; session < n; session++) {
      if (sessionStart(o, head, session) === at && seen++ === this.dupSkip) break;
    }
    const arrival = { user, session, at, workflow: 0, typeU: userTypeU(head), last: true };
    // The user's last session starts last (ties: the highest number, which is taken last).
    for (let s = session + 1; s < n && arrival.last; s++) arrival.last = sessionStart(o, head, s) < at;
    for (let s = 0; s < session && arrival.last; s++) arrival.last = sessionStart(o, head, s) <= at;
    this.nextArrival = arrival;
  }
}
