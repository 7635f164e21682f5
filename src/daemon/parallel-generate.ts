import { Worker } from "node:worker_threads";
import type { CascadeLabel } from "../event/index.js";
import type { Shard } from "../sim/plan.js";
import { type FileSink, OutputClosed, type StdoutSink } from "../sinks/index.js";
import type { DatasetJob } from "./dataset-worker.js";
import { addCounts, type DatasetProgress, type DatasetResult, NO_RESULT } from "./generate.js";
import { createLogger } from "./log.js";
import { ChunkBuilder, LineMerger } from "./merge.js";
import type { LineBatch, Returned, ShardJob, ShardMessage } from "./shard-worker.js";
import { createOutSink } from "./sinks.js";
import { fromWorkerFailure } from "./worker-error.js";

/** Batches a worker may have posted and the main thread not yet merged: bounds memory, keeps workers busy. */
const CREDITS = 4;
const PROGRESS_MS = 100;

/**
 * Sub-shard j of P within shard k/N: users u with u = k + j*N (mod N*P). Users = k (mod N) are
 * k + m*N, and (k + m*N) mod N*P = k + (m mod P)*N, so every one of them falls in exactly one j.
 */
export function subShard(shard: Shard, j: number, parallel: number): Shard {
  return { index: shard.index + j * shard.count, count: shard.count * parallel };
}

/**
 * The output of the merge: a JSONL file or standard output (the stdout sink writes to process.stdout,
 * not an fs stream on fd 1: a pipe is non-blocking and fs.write fails with EAGAIN when it is full).
 */
async function makeSink(job: DatasetJob): Promise<FileSink | StdoutSink> {
  return (await createOutSink(job.out, "jsonl", job.labels, createLogger("silent", false))) as
    | FileSink
    | StdoutSink;
}

/** The workers of one run and what they reported: progress, results, the first failure. */
class ShardWorkers {
  readonly workers: Worker[];
  readonly progress: DatasetProgress[];
  readonly results: (DatasetResult | undefined)[];
  failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(job: DatasetJob, parallel: number, youngMb: number, merger: LineMerger) {
    const { out: _o, format: _f, labels: _l, parallel: _p, ...base } = job;
    this.progress = Array.from({ length: parallel }, () => {
      const { labels: _, ...empty } = NO_RESULT;
      return empty;
    });
    this.results = Array.from({ length: parallel }, () => undefined);
    this.workers = Array.from({ length: parallel }, (_, j) => {
      const data: ShardJob = { job: { ...base, shard: subShard(job.shard, j, parallel) }, credits: CREDITS };
      const w = new Worker(new URL("./shard-worker.js", import.meta.url), {
        workerData: data,
        resourceLimits: { maxYoungGenerationSizeMb: youngMb },
        stdout: false,
      });
      w.on("message", (m: ShardMessage) => this.onMessage(j, m, merger));
      w.on("error", (err) => this.fail(err));
      w.on("exit", (code) => {
        if (this.results[j] === undefined) this.fail(new Error(`dataset worker exited with code ${code}`));
      });
      return w;
    });
  }

  private onMessage(j: number, m: ShardMessage, merger: LineMerger): void {
    if (m.type === "batch") {
      this.progress[j] = m.progress;
      merger.push(j, m.batch);
    } else if (m.type === "done") {
      this.results[j] = m.result;
      merger.end(j);
    } else this.fail(fromWorkerFailure(m));
    this.signal();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.signal();
  }

  private signal(): void {
    this.wake?.();
    this.wake = null;
  }

  /** Resolves at the next message, error or exit of any worker. */
  changed(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }

  /** Sends worker j one credit (it may post one more batch) with the buffers of a merged batch to reuse. */
  credit(j: number, b: LineBatch): void {
    const back: Returned = {
      bytes: b.bytes.buffer as ArrayBuffer,
      ends: b.ends.buffer as ArrayBuffer,
      dues: b.dues.buffer as ArrayBuffer,
      orders: b.orders.buffer as ArrayBuffer,
    };
    this.workers[j]!.postMessage(back, [back.bytes, back.ends, back.dues, back.orders]);
  }

  /** Progress summed over the workers. */
  total(): DatasetProgress {
    return this.progress.reduce(addCounts);
  }

  /** Stops every worker still running (after a failure, or as a no-op once all have exited). */
  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Merges the workers' streams into the sink until every worker is done; throws the first failure. */
async function pump(
  shards: ShardWorkers,
  merger: LineMerger,
  sink: FileSink | StdoutSink,
  onProgress: (p: DatasetProgress) => void,
): Promise<void> {
  const out = new ChunkBuilder();
  const labels: CascadeLabel[] = [];
  // writeRaw may hold on to its chunks until the next call resolves.
  let held: Buffer[] = [];
  let last = 0;
  for (;;) {
    if (shards.failure !== null) throw shards.failure;
    merger.merge(out, labels);
    // Read once: messages that arrive while writing below may finish the merger before its last lines went out.
    const finished = merger.finished;
    if (finished) out.flush();
    if (out.full.length > 0) {
      const chunks = out.take();
      await sink.writeRaw(chunks);
      out.recycle(held);
      held = chunks;
    }
    if (labels.length > 0) await sink.writeLabels(labels.splice(0));
    if (finished) return;
    const now = Date.now();
    if (now - last >= PROGRESS_MS) {
      last = now;
      onProgress(shards.total());
    }
    // Messages that came in while writing are already queued in the merger; wait only when it is starved.
    if (!merger.ready && shards.failure === null) await shards.changed();
  }
}

function sum(results: (DatasetResult | undefined)[]): DatasetResult {
  return results.map((r) => r!).reduce(addCounts, NO_RESULT);
}

/**
 * Runs a JSONL job on `parallel` worker threads, one sub-shard each, and merges their lines by
 * (due, order) into the output: the bytes are those of a single-worker run.
 */
export async function runParallelJsonl(
  job: DatasetJob,
  parallel: number,
  youngMb: number,
  onProgress: (p: DatasetProgress) => void,
): Promise<DatasetResult> {
  const sink = await makeSink(job);
  await sink.start();
  // The merger hands credits back only once the workers exist (on the first consumed batch).
  const merger: LineMerger = new LineMerger(parallel, (j, b) => shards.credit(j, b));
  const shards = new ShardWorkers(job, parallel, youngMb, merger);
  try {
    await pump(shards, merger, sink, onProgress);
    await sink.close();
    return sum(shards.results);
  } catch (err) {
    sink.destroy();
    if (err instanceof OutputClosed) return NO_RESULT;
    throw err;
  } finally {
    await shards.terminate();
  }
}
