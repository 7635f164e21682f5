/**
 * A binary min-heap of waiting users by (start time, user index), held in two typed arrays: 12 bytes a
 * user and no object per user, so a population of millions costs a few megabytes.
 */
export class UserHeap {
  private at = new Float64Array(16);
  private user = new Uint32Array(16);
  private n = 0;

  /** Users waiting. */
  get size(): number {
    return this.n;
  }

  /** Start time of the first waiting user; Infinity when none waits. */
  peekAt(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.at[0]!;
  }

  /** Index of the first waiting user (call only when size > 0). */
  peekUser(): number {
    return this.user[0]!;
  }

  /** Adds a user waiting until `at`. */
  push(at: number, user: number): void {
    this.reserve(this.n + 1);
    this.at[this.n] = at;
    this.user[this.n] = user;
    this.siftUp(this.n++);
  }

  /** Adds a user without restoring the heap order; call heapify() after a batch of these. */
  append(at: number, user: number): void {
    this.reserve(this.n + 1);
    this.at[this.n] = at;
    this.user[this.n++] = user;
  }

  /** Removes the first waiting user. */
  pop(): void {
    const last = --this.n;
    if (last > 0) {
      this.move(last, 0);
      this.siftDown(0);
    }
  }

  /** Keeps only the users for which `keep` says true; O(size). */
  filter(keep: (at: number, user: number) => boolean): void {
    let k = 0;
    for (let i = 0; i < this.n; i++) if (keep(this.at[i]!, this.user[i]!)) this.move(i, k++);
    this.n = k;
    this.heapify();
  }

  /** Restores the heap order after append() or filter(). */
  heapify(): void {
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private before(i: number, j: number): boolean {
    const a = this.at[i]!;
    const b = this.at[j]!;
    return a < b || (a === b && this.user[i]! < this.user[j]!);
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from]!;
    this.user[to] = this.user[from]!;
  }

  private swap(i: number, j: number): void {
    const at = this.at[i]!;
    const user = this.user[i]!;
    this.move(j, i);
    this.at[j] = at;
    this.user[j] = user;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.n;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) return;
      if (child + 1 < n && this.before(child + 1, child)) child++;
      if (!this.before(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }

  /** Makes room for `size` users without further allocation. */
  reserve(size: number): void {
    if (size <= this.at.length) return;
    const cap = Math.max(size, this.at.length * 2);
    const at = new Float64Array(cap);
    const user = new Uint32Array(cap);
    at.set(this.at.subarray(0, this.n));
    user.set(this.user.subarray(0, this.n));
    this.at = at;
    this.user = user;
  }
}
