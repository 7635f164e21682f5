import { parentPort, workerData } from "node:worker_threads";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { compileWorkflow } from "../sim/compile.js";
import type { MergeKeys } from "../sim/engine.js";
import { eventToJson } from "../sinks/index.js";
import type { DatasetJob } from "./dataset-worker.js";
import { type DatasetProgress, type DatasetResult, generateDataset } from "./generate.js";
import { toWorkerFailure, type WorkerFailure } from "./worker-error.js";

/** One sub-shard of a parallel JSONL run: the job (its shard already split) and how many batches may be in flight. */
export interface ShardJob {
  job: Omit<DatasetJob, "out" | "format" | "labels">;
  credits: number;
}

/**
 * A batch of JSON Lines with, per line, its end offset in `bytes` and the (due, order) key the engine
 * popped it by; per label, the key of its session's last event (pairs in `labelKeys`).
 */
export interface LineBatch {
  bytes: Uint8Array;
  ends: Uint32Array;
  dues: Float64Array;
  orders: Float64Array;
  count: number;
  labels: CascadeLabel[];
  labelKeys: Float64Array;
}

/** What a shard worker posts to the main thread; the main thread answers each consumed batch with a credit. */
export type ShardMessage =
  | { type: "batch"; batch: LineBatch; progress: DatasetProgress }
  | { type: "done"; result: DatasetResult }
  | ({ type: "error" } & WorkerFailure);

/** The buffers of a merged batch, sent back with its credit so that the worker reuses them. */
export interface Returned {
  bytes: ArrayBuffer;
  ends: ArrayBuffer;
  dues: ArrayBuffer;
  orders: ArrayBuffer;
}

const BATCH = 8192;
const MIN_BYTES = 1 << 22;

/** Encodes events into `into` (or a bigger buffer when it fills), recording each line's end in `ends`. */
function encodeLines(events: readonly TraceEvent[], into: ArrayBuffer, ends: Uint32Array): Buffer {
  let buf = Buffer.from(into);
  let pos = 0;
  for (let i = 0; i < events.length; i++) {
    const line = eventToJson(events[i]!);
    const worst = line.length * 3 + 1;
    if (pos + worst > buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, pos + worst));
      buf.copy(bigger, 0, 0, pos);
      buf = bigger;
    }
    pos += buf.write(line, pos);
    buf[pos++] = 10;
    ends[i] = pos;
  }
  return buf.subarray(0, pos);
}

/**
 * Credits from the main thread, so that at most `n` batches are ever in flight, and the buffers that
 * came back with them: reusing them keeps both threads free of large allocations, whose external
 * memory made the main thread run a full garbage collection every ~150 ms.
 */
export class Credits {
  private wake: (() => void) | null = null;
  private readonly free: Returned[] = [];
  readonly onMessage = (m: Returned): void => {
    this.free.push(m);
    this.n++;
    this.wake?.();
    this.wake = null;
  };

  constructor(private n: number) {}

  async take(): Promise<void> {
    while (this.n === 0) await new Promise<void>((r) => (this.wake = r));
    this.n--;
  }

  /** Buffers for the next batch: returned ones, or new ones while fewer than the credits exist. */
  buffers(): Returned {
    return (
      this.free.pop() ?? {
        bytes: Buffer.allocUnsafeSlow(MIN_BYTES).buffer as ArrayBuffer,
        ends: new ArrayBuffer(BATCH * 4),
        dues: new ArrayBuffer(BATCH * 8),
        orders: new ArrayBuffer(BATCH * 8),
      }
    );
  }
}

/**
 * Where a sub-shard's batches go: each is encoded into the buffers its merge keys were made over, and
 * posted (buffers transferred, not copied) with the labels the engine made alongside, as credits allow.
 * A batch is posted when the next one arrives, or at `flush()`, since its labels come after it.
 */
class ShardOut {
  private free: Returned;
  private pending: LineBatch | null = null;

  constructor(
    private readonly credits: Credits,
    private readonly post: (m: ShardMessage, t: ArrayBuffer[]) => void,
    private readonly progress: () => DatasetProgress,
  ) {
    this.free = credits.buffers();
  }

  /** Merge keys over the current buffers, for the engine's next batch. */
  readonly mergeKeys = (): MergeKeys => ({
    due: new Float64Array(this.free.dues),
    order: new Float64Array(this.free.orders),
    labels: [],
  });

  async write(batch: readonly TraceEvent[], keys?: MergeKeys): Promise<void> {
    await this.flush();
    const ends = new Uint32Array(this.free.ends);
    const bytes = encodeLines(batch, this.free.bytes, ends);
    this.pending = {
      bytes,
      ends,
      dues: keys!.due,
      orders: keys!.order,
      count: batch.length,
      labels: [],
      labelKeys: Float64Array.from(keys!.labels),
    };
    this.free = this.credits.buffers();
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    this.pending!.labels.push(...labels);
  }

  async flush(): Promise<void> {
    const b = this.pending;
    if (b === null) return;
    this.pending = null;
    const progress = this.progress();
    await this.credits.take();
    // Transferred, not copied: the worker touches them again only once they come back with a credit.
    const transfer = [b.bytes.buffer, b.ends.buffer, b.dues.buffer, b.orders.buffer, b.labelKeys.buffer];
    this.post({ type: "batch", batch: b, progress }, transfer as ArrayBuffer[]);
  }
}

/** Runs the engine over one sub-shard (the offline drive loop), posting its batches to the merge. */
export async function runShard(
  s: ShardJob,
  post: (m: ShardMessage, t: ArrayBuffer[]) => void,
  credits: Credits,
): Promise<DatasetResult> {
  let last: DatasetProgress | null = null;
  const out = new ShardOut(credits, post, () => last!);
  const result = await generateDataset({ ...s.job, workflow: compileWorkflow(s.job.workflow) }, out, {
    batchSize: BATCH,
    mergeKeys: out.mergeKeys,
    onProgress: (p) => {
      last = p;
    },
  });
  await out.flush();
  return result;
}

if (parentPort !== null && workerData !== null && typeof workerData === "object" && "credits" in workerData) {
  const port = parentPort;
  const credits = new Credits((workerData as ShardJob).credits);
  port.on("message", credits.onMessage);
  runShard(workerData as ShardJob, (m, t) => port.postMessage(m, t), credits)
    .then((result) => port.postMessage({ type: "done", result } satisfies ShardMessage))
    .catch((err: unknown) => {
      port.postMessage({ type: "error", ...toWorkerFailure(err) } satisfies ShardMessage);
    })
    // Nothing else holds the worker open: it exits by itself once its last message is sent.
    .finally(() => port.off("message", credits.onMessage));
}
