import { parentPort, Worker, workerData } from "node:worker_threads";
import { compileWorkflow } from "../sim/compile.js";
import type { Sink } from "../sinks/index.js";
import type { Workflow } from "../workflow/types.js";
import { type DatasetProgress, type DatasetResult, type DatasetSpec, generateDataset } from "./generate.js";
import { createLogger } from "./log.js";
import { runParallelJsonl } from "./parallel-generate.js";
import { createOutSink } from "./sinks.js";
import { fromWorkerFailure, toWorkerFailure, type WorkerFailure } from "./worker-error.js";

/** Everything an offline run needs, as plain data that crosses to a worker thread. */
export interface DatasetJob extends Omit<DatasetSpec, "workflow"> {
  /** The workflow as written (compiled on the worker: compiled tables do not cross threads cheaply). */
  workflow: Workflow;
  out: string;
  format: "jsonl" | "parquet";
  labels?: string;
  /** Worker threads for JSONL output (default 1: one worker writing directly, no merge). */
  parallel?: number;
}

type Message =
  | { type: "progress"; progress: DatasetProgress }
  | { type: "done"; result: DatasetResult }
  | ({ type: "error" } & WorkerFailure);

// The engine allocates an object and a few strings per event; a young generation larger than V8's
// default halves the time spent collecting them (measured: 2x events/s on `generate`).
const YOUNG_GENERATION_MB = 192;

/** Events per batch handed to the sink. */
const BATCH = 8192;

// A single worker writes files only: standard output is always written by the main thread. The sink
// is built as the daemon builds `--out`'s (one factory per type; Parquet's imported only when used).
function makeSink(job: DatasetJob): Promise<Sink> {
  return createOutSink(job.out, job.format, job.labels, createLogger("silent", false));
}

async function runJob(job: DatasetJob, post: (m: Message) => void): Promise<void> {
  const sink = await makeSink(job);
  await sink.start();
  const spec = { ...job, workflow: compileWorkflow(job.workflow) };
  let last = 0;
  try {
    const result = await generateDataset(spec, sink, {
      batchSize: BATCH,
      onProgress: (progress) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        post({ type: "progress", progress });
      },
    });
    await sink.close();
    post({ type: "done", result });
  } catch (err) {
    sink.destroy();
    throw err;
  }
}

/**
 * Worker threads a job runs on by default: one. Two workers plus the merging main thread cost ~35% more
 * CPU in total, which paid off nowhere on our shared 2-core machine; try --threads on bigger ones.
 */
export function defaultParallelism(): number {
  return 1;
}

/**
 * Runs an offline dataset job on worker threads and reports progress; resolves with the result.
 * JSONL runs on `job.parallel` workers merged into one output; Parquet always runs on one.
 */
export function runDatasetJob(
  job: DatasetJob,
  onProgress: (p: DatasetProgress) => void,
): Promise<DatasetResult> {
  const parallel = job.parallel ?? defaultParallelism();
  // Standard output always goes through the main thread: from a worker, fs writes to fd 1 fail with
  // EAGAIN once a pipe is full (the pipe is non-blocking), which broke `generate --out - | slow-reader`.
  if (job.format === "jsonl" && (parallel > 1 || job.out === "-")) {
    return runParallelJsonl(job, parallel, YOUNG_GENERATION_MB, onProgress);
  }
  return runSingle(job, onProgress);
}

function runSingle(job: DatasetJob, onProgress: (p: DatasetProgress) => void): Promise<DatasetResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: job,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      stdout: false,
    });
    let settled = false;
    worker.on("message", (m: Message) => {
      if (m.type === "progress") onProgress(m.progress);
      else if (m.type === "done") {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(fromWorkerFailure(m));
      }
    });
    worker.on("error", (err) => {
      settled = true;
      reject(err);
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`dataset worker exited with code ${code}`));
    });
  });
}

if (parentPort !== null && workerData !== null && typeof workerData === "object" && "out" in workerData) {
  const port = parentPort;
  runJob(workerData as DatasetJob, (m) => port.postMessage(m)).catch((err: unknown) => {
    port.postMessage({ type: "error", ...toWorkerFailure(err) } satisfies Message);
  });
}
