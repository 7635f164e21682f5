import type { CascadeLabel } from "../event/index.js";
import type { LineBatch } from "./shard-worker.js";

const CHUNK_BYTES = 1 << 20;

/**
 * Collects byte ranges into 1 MiB chunks of their own, so a write never holds a worker's batch. Written
 * chunks come back through recycle(): fresh ones each time would be external memory the garbage
 * collector chases.
 */
export class ChunkBuilder {
  private readonly pool: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private pos = 0;
  /** Chunks that filled up, in order; the caller takes them. */
  readonly full: Buffer[] = [];

  /** Appends `src[start, end)`. */
  append(src: Buffer, start: number, end: number): void {
    while (start < end) {
      const n = Math.min(end - start, this.buf.length - this.pos);
      src.copy(this.buf, this.pos, start, start + n);
      this.pos += n;
      start += n;
      if (this.pos === this.buf.length) this.flush();
    }
  }

  /** Moves what is buffered, if anything, to `full`. */
  flush(): void {
    if (this.pos === 0) return;
    this.full.push(this.buf.subarray(0, this.pos));
    this.buf = this.pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.pos = 0;
  }

  /** Gives back chunks from take() once the output is done with them. */
  recycle(chunks: readonly Buffer[]): void {
    for (const c of chunks) if (c.buffer.byteLength === CHUNK_BYTES) this.pool.push(Buffer.from(c.buffer));
  }

  /** Takes the full chunks. */
  take(): Buffer[] {
    return this.full.splice(0);
  }
}

interface Stream {
  queue: LineBatch[];
  head: LineBatch | null;
  bytes: Buffer;
  line: number;
  label: number;
  ended: boolean;
}

/**
 * A k-way merge of sorted line streams by (due, order). Each stream is one shard's events in the order
 * its engine popped them; (due, order) is a total order over all shards (order holds the user), so the
 * merge reproduces the single-engine order exactly. Lines go out in runs: all consecutive lines of the
 * leading stream that sort before every other stream's head are copied at once.
 */
export class LineMerger {
  private readonly streams: Stream[];

  /** `onConsumed(i, b)` is called once batch b of stream i has been copied out; the merger keeps no hold on it. */
  constructor(
    n: number,
    private readonly onConsumed: (stream: number, batch: LineBatch) => void,
  ) {
    this.streams = Array.from({ length: n }, () => ({
      queue: [],
      head: null,
      bytes: Buffer.alloc(0),
      line: 0,
      label: 0,
      ended: false,
    }));
  }

  /** Queues a batch of stream i. */
  push(i: number, batch: LineBatch): void {
    const s = this.streams[i]!;
    if (batch.count === 0) {
      this.onConsumed(i, batch);
      return;
    }
    if (s.head === null) this.setHead(s, batch);
    else s.queue.push(batch);
  }

  /** Marks stream i as complete: it will send no more batches. */
  end(i: number): void {
    this.streams[i]!.ended = true;
  }

  /** True when every stream has a batch queued or has ended: merge() can make progress. */
  get ready(): boolean {
    return this.streams.every((s) => s.head !== null || s.ended);
  }

  /** True once every stream has ended and every line went out. */
  get finished(): boolean {
    return this.streams.every((s) => s.ended && s.head === null);
  }

  /**
   * Merges as far as the streams allow (until some live stream has no batch queued): lines into `out`,
   * each label right after the line of its session's last event.
   */
  merge(out: ChunkBuilder, labels: CascadeLabel[]): void {
    const streams = this.streams;
    for (;;) {
      // The leading stream, and the least key among the other streams' heads (where its run stops).
      let best = -1;
      let bd = Number.POSITIVE_INFINITY;
      let bo = Number.POSITIVE_INFINITY;
      let nd = Number.POSITIVE_INFINITY;
      let no = Number.POSITIVE_INFINITY;
      for (let k = 0; k < streams.length; k++) {
        const s = streams[k]!;
        const h = s.head;
        if (h === null) {
          if (s.ended) continue;
          return;
        }
        const d = h.dues[s.line]!;
        const o = h.orders[s.line]!;
        if (d < bd || (d === bd && o < bo)) {
          nd = bd;
          no = bo;
          bd = d;
          bo = o;
          best = k;
        } else if (d < nd || (d === nd && o < no)) {
          nd = d;
          no = o;
        }
      }
      if (best === -1) return;
      this.copyRun(best, nd, no, out, labels);
    }
  }

  private copyRun(k: number, nextDue: number, nextOrder: number, out: ChunkBuilder, labels: CascadeLabel[]) {
    const s = this.streams[k]!;
    const h = s.head!;
    const { dues, orders, ends, count } = h;
    const first = s.line;
    let i = first + 1;
    while (i < count && (dues[i]! < nextDue || (dues[i] === nextDue && orders[i]! < nextOrder))) i++;
    out.append(s.bytes, first === 0 ? 0 : ends[first - 1]!, ends[i - 1]!);
    if (s.label < h.labels.length) this.takeLabels(s, dues[i - 1]!, orders[i - 1]!, labels);
    s.line = i;
    if (i === count) {
      const next = s.queue.shift();
      s.head = null;
      if (next !== undefined) this.setHead(s, next);
      this.onConsumed(k, h);
    }
  }

  /** Moves out the labels of `s` whose session ended at or before the key of the last line copied. */
  private takeLabels(s: Stream, lastDue: number, lastOrder: number, labels: CascadeLabel[]): void {
    const h = s.head!;
    const lk = h.labelKeys;
    while (s.label < h.labels.length) {
      const d = lk[2 * s.label]!;
      if (d > lastDue || (d === lastDue && lk[2 * s.label + 1]! > lastOrder)) break;
      labels.push(h.labels[s.label++]!);
    }
  }

  private setHead(s: Stream, b: LineBatch): void {
    s.head = b;
    s.bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    s.line = 0;
    s.label = 0;
  }
}
