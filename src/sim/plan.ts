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
 * Sorts `keys[lo..hi]` ascending in place, ties by `pay`, and moves each `pay` with its key (quicksort,
 * median of three, insertion sort for short runs). No work array: TypedArray.prototype.sort allocates one
 * as large as its input, and a window's runs are sorted one bucket at a time, most of them a few dozen keys.
 */
export function sortPairs(keys: Float64Array, pay: Uint32Array, lo: number, hi: number): void {
  const stack: number[] = [];
  for (;;) {
    while (hi - lo > 16) {
      const mid = (lo + hi) >> 1;
      if (before(keys, pay, mid, lo)) swap(keys, pay, mid, lo);
      if (before(keys, pay, hi, lo)) swap(keys, pay, hi, lo);
      if (before(keys, pay, hi, mid)) swap(keys, pay, hi, mid);
      const pk = keys[mid]!;
      const pp = pay[mid]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (keys[i]! < pk || (keys[i] === pk && pay[i]! < pp)) i++;
        while (keys[j]! > pk || (keys[j] === pk && pay[j]! > pp)) j--;
        if (i <= j) swap(keys, pay, i++, j--);
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
    insertionSort(keys, pay, lo, hi);
    if (stack.length === 0) return;
    hi = stack.pop()!;
    lo = stack.pop()!;
  }
}

function before(keys: Float64Array, pay: Uint32Array, a: number, b: number): boolean {
  return keys[a]! < keys[b]! || (keys[a] === keys[b] && pay[a]! < pay[b]!);
}

function swap(keys: Float64Array, pay: Uint32Array, i: number, j: number): void {
  const k = keys[i]!;
  keys[i] = keys[j]!;
  keys[j] = k;
  const p = pay[i]!;
  pay[i] = pay[j]!;
  pay[j] = p;
}

function insertionSort(keys: Float64Array, pay: Uint32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const k = keys[i]!;
    const p = pay[i]!;
    let j = i - 1;
    while (j >= lo && (keys[j]! > k || (keys[j] === k && pay[j]! > p))) {
      keys[j + 1] = keys[j]!;
      pay[j + 1] = pay[j]!;
      j--;
    }
    keys[j + 1] = k;
    pay[j + 1] = p;
  }
}

/** The bucket a session starting at `at` is counted in, and placed in when its window is derived. */
function bucketOf(o: OfflinePlanOptions, bucketMs: number, at: number): number {
  return Math.floor((at - o.startMs) / bucketMs);
}

/** Counts the sessions of this shard's users per time bucket: the only pass whose memory grows with time span. */
function countBuckets(o: OfflinePlanOptions, bucketMs: number, buckets: number): Float64Array {
  const counts = new Float64Array(buckets);
  for (let user = o.shard.index; user < o.users; user += o.shard.count) {
    const head = hashHead(o.key, user);
    const n = userSessionCount(o, head);
    for (let s = 0; s < n; s++) counts[bucketOf(o, bucketMs, sessionStart(o, head, s))]!++;
  }
  return counts;
}

/** A span of whole buckets whose session starts are held in memory together. */
interface Window {
  from: number;
  to: number;
  count: number;
  /** Its buckets: [firstBucket, endBucket). */
  firstBucket: number;
  endBucket: number;
}

interface Plan {
  windows: Window[];
  /** Sessions per bucket, over the whole range. */
  counts: Float64Array;
  bucketMs: number;
}

function planWindows(o: OfflinePlanOptions, capacity: number): Plan {
  const buckets = Math.max(1, Math.min(1_000_000, Math.ceil(o.durationMs / 60_000)));
  const bucketMs = Math.ceil(o.durationMs / buckets);
  const counts = countBuckets(o, bucketMs, buckets);
  // A window key is (offset * users + user); it must stay an exact integer in a double.
  const maxSpan = Math.floor(2 ** 52 / Math.max(1, o.users));
  const windows: Window[] = [];
  let cur: Window = { from: o.startMs, to: o.startMs, count: 0, firstBucket: 0, endBucket: 0 };
  for (let b = 0; b < buckets; b++) {
    const end = o.startMs + (b + 1) * bucketMs;
    if (cur.count > 0 && (cur.count + counts[b]! > capacity || end - cur.from > maxSpan)) {
      windows.push(cur);
      cur = { from: cur.to, to: cur.to, count: 0, firstBucket: b, endBucket: b };
    }
    cur.to = end;
    cur.endBucket = b + 1;
    cur.count += counts[b]!;
  }
  windows.push(cur);
  return { windows: windows.filter((w) => w.count > 0), counts, bucketMs };
}

/** A session's entry beside its key: its number, and whether it is its user's last (the low bit). */
function payOf(session: number, last: boolean): number {
  return session * 2 + (last ? 1 : 0);
}

/**
 * The arrivals of an offline run in time order, with memory bounded by one window of session starts:
 * the users are re-derived once per window instead of keeping every future session in memory. A
 * window's starts are placed by bucket as they are derived (the buckets' counts are known from the
 * plan), and each bucket is sorted when the run reaches it: the first arrival waits for one bucket's
 * sort, not the window's.
 */
export class OfflineArrivals {
  readonly totalSessions: number;
  /** Users of this shard. */
  readonly totalUsers: number;
  private readonly plan: Plan;
  private w = -1;
  /** The window's keys, (offset in window * users + user), bucket by bucket, and each one's pay (payOf). */
  private keys = new Float64Array(0);
  private pay = new Uint32Array(0);
  /** Where each of the window's buckets ends in `keys`. */
  private ends = new Uint32Array(0);
  /** The bucket being taken, its end, and the next key. */
  private bucket = -1;
  private runEnd = 0;
  private i = 0;
  /** A user's session starts, while a window is derived. */
  private starts = new Float64Array(64);
  private nextArrival: Arrival | null = null;

  constructor(private readonly o: OfflinePlanOptions) {
    this.plan = planWindows(o, o.windowCapacity ?? 1 << 20);
    this.totalSessions = this.plan.windows.reduce((a, w) => a + w.count, 0);
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

  /** Derives every session of the window's buckets, each placed in its bucket's run (unsorted). */
  private loadWindow(win: Window): void {
    const o = this.o;
    const { counts, bucketMs } = this.plan;
    const first = win.firstBucket;
    const nb = win.endBucket - first;
    // Each bucket's next free place; once every session is placed, where each bucket ends.
    const fill = new Uint32Array(nb);
    for (let b = 0, at = 0; b < nb; b++) {
      fill[b] = at;
      at += counts[first + b]!;
    }
    const keys = new Float64Array(win.count);
    const pay = new Uint32Array(win.count);
    for (let user = o.shard.index; user < o.users; user += o.shard.count) {
      const head = hashHead(o.key, user);
      const n = userSessionCount(o, head);
      if (n > this.starts.length) this.starts = new Float64Array(Math.max(n, 2 * this.starts.length));
      const starts = this.starts;
      // The user's last session starts last (ties: the highest number, which is taken last).
      let last = 0;
      for (let s = 0; s < n; s++) {
        const at = sessionStart(o, head, s);
        starts[s] = at;
        if (at >= starts[last]!) last = s;
      }
      for (let s = 0; s < n; s++) {
        const at = starts[s]!;
        const b = bucketOf(o, bucketMs, at) - first;
        if (b < 0 || b >= nb) continue;
        const k = fill[b]!++;
        keys[k] = (at - win.from) * o.users + user;
        pay[k] = payOf(s, s === last);
      }
    }
    this.keys = keys;
    this.pay = pay;
    this.ends = fill;
    this.bucket = -1;
    this.runEnd = 0;
    this.i = 0;
  }

  private advance(): void {
    while (this.i >= this.runEnd) {
      if (this.i >= this.keys.length) {
        if (++this.w >= this.plan.windows.length) {
          this.nextArrival = null;
          return;
        }
        this.loadWindow(this.plan.windows[this.w]!);
        continue;
      }
      // The next bucket with sessions in it, sorted as the run reaches it. Two sessions of one user may
      // start in the same millisecond: their keys are equal, and their numbers order them.
      const end = this.ends[++this.bucket]!;
      if (end > this.i) {
        sortPairs(this.keys, this.pay, this.i, end - 1);
        this.runEnd = end;
      }
    }
    const o = this.o;
    const key = this.keys[this.i]!;
    const pay = this.pay[this.i++]!;
    const user = key % o.users;
    const at = this.plan.windows[this.w]!.from + (key - user) / o.users;
    const head = hashHead(o.key, user);
    this.nextArrival = {
      user,
      session: pay >>> 1,
      at,
      workflow: 0,
      typeU: userTypeU(head),
      last: (pay & 1) === 1,
    };
  }
}
