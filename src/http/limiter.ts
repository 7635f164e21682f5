/** A request waiting for its slot: when it may go, and how to let it. */
interface Waiter {
  at: number;
  go: () => void;
}

/**
 * A hard cap on requests per second: each request takes the next free slot, 1/rate apart; a request
 * whose slot is in the future waits for it. Slots are handed out in order, so the waiting requests
 * form a queue by time behind one timer (never one per request). `close` drops the queue and the
 * timer: requests still waiting never go, and nothing keeps the process alive.
 */
export class RateLimiter {
  private next = 0;
  private readonly gap: number;
  private queue: Waiter[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(perSecond: number) {
    this.gap = 1000 / perSecond;
  }

  /** True when the next slot is already taken: a request now would wait. */
  behind(now = performance.now()): boolean {
    return this.next > now;
  }

  /** Requests waiting for their slot now. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** True while a timer is set (some request waits for its slot). */
  get timerSet(): boolean {
    return this.timer !== null;
  }

  /** Resolves when this request may go; undefined when it may go now. After close, never resolves. */
  take(): Promise<void> | undefined {
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + this.gap;
    if (at <= now) return undefined;
    if (this.closed) return new Promise<void>(() => {});
    return new Promise<void>((go) => {
      this.queue.push({ at, go });
      if (this.timer === null) this.arm(now);
    });
  }

  /** Cancels every wait and the timer (the target closes). */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.head = 0;
  }

  private arm(now: number): void {
    const first = this.queue[this.head]!;
    // Whole milliseconds, rounded up: the timer never fires before the first slot.
    this.timer = setTimeout(this.release, Math.max(1, Math.ceil(first.at - now)));
  }

  private readonly release = (): void => {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now) {
      this.queue[this.head]!.go();
      this.head++;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.arm(now);
    }
  };
}
