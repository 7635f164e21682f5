import type { Shard } from "../plan.js";
import type { LoadModel } from "./types.js";

/** A load model whose arrivals can be passed over without starting them (for the shard filter). */
export interface ShardableSource extends LoadModel {
  /** The shard key (a user index) of the next arrival; call only when peek() is finite. */
  nextKey(): number;
  /** Passes over the next arrival: another shard runs it. */
  skip(): void;
}

/**
 * `--shard k/N` over a session source: only arrivals whose key is k mod N start here, so the union of
 * the N shards is the unsharded run. The source never knows it is sharded.
 */
export class ShardFilter implements LoadModel {
  constructor(
    private readonly inner: ShardableSource,
    private readonly shard: Shard,
  ) {}

  peek(): number {
    const { index, count } = this.shard;
    for (;;) {
      const at = this.inner.peek();
      if (at === Number.POSITIVE_INFINITY || this.inner.nextKey() % count === index) return at;
      this.inner.skip();
    }
  }

  take() {
    this.peek();
    return this.inner.take();
  }

  onSessionEnd(s: Parameters<LoadModel["onSessionEnd"]>[0]): void {
    this.inner.onSessionEnd(s);
  }

  stopAt(virtualMs: number): void {
    this.inner.stopAt(virtualMs);
  }

  get activeUsers(): number {
    return this.inner.activeUsers;
  }
}
