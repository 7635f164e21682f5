import { parentPort, workerData } from "node:worker_threads";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { compileWorkflow } from "../sim/compile.js";
import { Engine, type MergeKeys } from "../sim/engine.js";
import { OfflineArrivals } from "../sim/plan.js";
import { seedKey } from "../sim/rng.js";
import { eventToJson } from "../sinks/jsonl.js";
import type { DatasetJob } from "./dataset-worker.js";
import { type DatasetProgress, type DatasetResult, progressOf } from "./generate.js";
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

/** Runs the engine over one sub-shard, posting each batch (buffers transferred, not copied) as credits allow. */
export async function runShard(
  s: ShardJob,
  post: (m: ShardMessage, t: ArrayBuffer[]) => void,
  credits: Credits,
): Promise<DatasetResult> {
  const job = s.job;
  const arrivals = new OfflineArrivals({ ...job, key: seedKey(job.generation.seed) });
  const engine = new Engine([compileWorkflow(job.workflow)], job.generation, arrivals);
  const batch: TraceEvent[] = [];
  let events = 0;
  let labels = 0;
  while (!engine.finished) {
    const free = credits.buffers();
    const keys: MergeKeys = {
      due: new Float64Array(free.dues),
      order: new Float64Array(free.orders),
      labels: [],
    };
    engine.run(Number.POSITIVE_INFINITY, batch, BATCH, keys);
    if (batch.length === 0) continue;
    const ends = new Uint32Array(free.ends);
    const bytes = encodeLines(batch, free.bytes, ends);
    events += batch.length;
    labels += engine.labels.length;
    const b: LineBatch = {
      bytes,
      ends,
      dues: keys.due,
      orders: keys.order,
      count: batch.length,
      labels: engine.labels.splice(0),
      labelKeys: Float64Array.from(keys.labels),
    };
    batch.length = 0;
    const progress = progressOf(engine, arrivals, events);
    await credits.take();
    // Transferred, not copied: the worker touches them again only once they come back with a credit.
    const transfer = [bytes.buffer, ends.buffer, keys.due.buffer, keys.order.buffer, b.labelKeys.buffer];
    post({ type: "batch", batch: b, progress }, transfer as ArrayBuffer[]);
  }
  return { ...progressOf(engine, arrivals, events), labels };
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
