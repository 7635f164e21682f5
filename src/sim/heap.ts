/** An entry of the scheduler's queue: due time (virtual ms) and a tie-break that makes the order total. */
export interface Scheduled {
  due: number;
  /** Tie-break for equal due times; unique among queued entries. */
  order: number;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

/** A binary min-heap by (due, order). One heap holds every waiting session; there is one timer, not one per user. */
export class MinHeap<T extends Scheduled> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent]!;
      if (!before(item, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) this.siftDown(last);
    return top;
  }

  /**
   * The top's key grew (its session's next call is later): moves it down to its place. Half the work
   * of popping it and pushing it back, which the engine did for every call.
   */
  updateTop(): void {
    if (this.items.length > 1) this.siftDown(this.items[0]!);
  }

  private siftDown(item: T): void {
    const a = this.items;
    const n = a.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(a[right]!, a[child]!)) child = right;
      if (!before(a[child]!, item)) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = item;
  }
}
