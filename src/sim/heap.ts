/** An entry of the scheduler's queue: due time (virtual ms) and a tie-break that makes the order total. */
export interface Scheduled {
  due: number;
  /** Tie-break for equal due times; unique among queued entries. */
  order: number;
}

/**
 * A binary min-heap by (due, order). One heap holds every waiting session; there is one timer, not one
 * per user. The keys are kept beside the entries, in two typed arrays: a sift compares keys read from
 * contiguous memory instead of loading each entry it passes (a cache miss apiece in a large heap).
 * An entry's key is read when it goes in, and again for the top by `updateTop`.
 */
export class MinHeap<T extends Scheduled> {
  private readonly items: T[] = [];
  private dues = new Float64Array(64);
  private orders = new Float64Array(64);

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    let i = a.length;
    if (i === this.dues.length) this.grow();
    const dues = this.dues;
    const orders = this.orders;
    const due = item.due;
    const order = item.order;
    a.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = dues[parent]!;
      if (!(due < pd || (due === pd && order < orders[parent]!))) break;
      a[i] = a[parent]!;
      dues[i] = pd;
      orders[i] = orders[parent]!;
      i = parent;
    }
    a[i] = item;
    dues[i] = due;
    orders[i] = order;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      const n = a.length;
      this.siftDown(last, this.dues[n]!, this.orders[n]!);
    }
    return top;
  }

  /**
   * The top's key grew (its session's next call is later): moves it down to its place. Half the work
   * of popping it and pushing it back, which the engine did for every call.
   */
  updateTop(): void {
    const top = this.items[0];
    if (top === undefined) return;
    if (this.items.length > 1) this.siftDown(top, top.due, top.order);
    else this.dues[0] = top.due;
  }

  /** Places `item`, keyed (due, order), from the root down. */
  private siftDown(item: T, due: number, order: number): void {
    const a = this.items;
    const dues = this.dues;
    const orders = this.orders;
    const n = a.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let cd = dues[child]!;
      const right = child + 1;
      if (right < n) {
        const rd = dues[right]!;
        if (rd < cd || (rd === cd && orders[right]! < orders[child]!)) {
          child = right;
          cd = rd;
        }
      }
      if (!(cd < due || (cd === due && orders[child]! < order))) break;
      a[i] = a[child]!;
      dues[i] = cd;
      orders[i] = orders[child]!;
      i = child;
    }
    a[i] = item;
    dues[i] = due;
    orders[i] = order;
  }

  private grow(): void {
    const dues = new Float64Array(this.dues.length * 2);
    dues.set(this.dues);
    this.dues = dues;
    const orders = new Float64Array(this.orders.length * 2);
    orders.set(this.orders);
    this.orders = orders;
  }
}
