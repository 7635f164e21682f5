import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { compileWorkflow } from "../sim/compile.js";
import { OutputClosed, type Sink } from "../sinks/index.js";
import type { Workflow } from "../workflow/types.js";
import { AWAIT_JOB, DatasetThread, type JobMessage } from "./dataset-thread.js";
import {
  type DatasetProgress,
  type DatasetResult,
  type DatasetSpec,
  generateDataset,
  NO_RESULT,
} from "./generate.js";
import { JsonlRelay, type PackedSink, type RelayAck, type RelayMessage, RelayOut } from "./jsonl-relay.js";
import { fromWorkerFailure, toWorkerFailure, type WorkerFailure } from "./worker-error.js";

/** Everything an offline run needs, as plain data that crosses to a worker thread. */
export interface DatasetJob extends Omit<DatasetSpec, "workflow"> {
  /** The workflow as written (compiled on the worker: compiled tables do not cross threads cheaply). */
  workflow: Workflow;
  out: string;
  format: "jsonl" | "parquet";
  labels?: string;
}

type Message =
  | RelayMessage
  | { type: "progress"; progress: DatasetProgress }
  | { type: "done"; result: DatasetResult }
  | ({ type: "error" } & WorkerFailure);

/** Events per batch handed to the sink. */
const BATCH = 8192;

// The worker writes Parquet files only: JSON Lines, to a file or standard output, are encoded and written
// by the main thread (jsonl-relay.ts). The sink is built as the daemon builds `--out`'s (one factory per
// type; Parquet's imported only when used). Imported when used: the factories' config schemas (zod) and
// the logger (pino) are ~0.1 s of imports that a worker packing JSON Lines does not need before its
// first batch.
async function makeSink(job: DatasetJob): Promise<Sink> {
  const [{ createOutSink }, { createLogger }] = await Promise.all([import("./sinks.js"), import("./log.js")]);
  return createOutSink(job.out, job.format, job.labels, createLogger("silent", false));
}

async function runJob(job: DatasetJob, relay: RelayOut | null, post: (m: Message) => void): Promise<void> {
  const sink = relay === null ? await makeSink(job) : null;
  await sink?.start();
  const spec = { ...job, workflow: compileWorkflow(job.workflow) };
  let last = 0;
  try {
    const drive = {
      batchSize: BATCH,
      onProgress: (progress: DatasetProgress) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        post({ type: "progress", progress });
      },
    };
    const result = await (sink !== null
      ? generateDataset(spec, sink, drive)
      : generateDataset(spec, relay!, drive));
    await sink?.close();
    post({ type: "done", result });
  } catch (err) {
    sink?.destroy();
    throw err;
  }
}

/**
 * Runs an offline dataset job on a worker thread and reports progress; resolves with the result.
 * JSON Lines are encoded and written by this thread, from the batches the worker packs (jsonl-relay.ts).
 * `thread`: the worker, if the caller started it already (before its own imports), maybe with this
 * job sent to it already (DatasetThread.send).
 */
export async function runDatasetJob(
  job: DatasetJob,
  onProgress: (p: DatasetProgress) => void,
  thread: DatasetThread<DatasetJob> = new DatasetThread(),
): Promise<DatasetResult> {
  try {
    return await runOn(thread, job, onProgress);
  } finally {
    thread.release();
  }
}

async function runOn(
  thread: DatasetThread<DatasetJob>,
  job: DatasetJob,
  onProgress: (p: DatasetProgress) => void,
): Promise<DatasetResult> {
  if (job.format !== "jsonl") return runWorker(thread, job, onProgress, null);
  const sink = (await makeSink({ ...job, format: "jsonl" })) as Sink & PackedSink;
  await sink.start();
  try {
    return await runWorker(thread, job, onProgress, sink);
  } catch (err) {
    sink.destroy();
    // The reader went away (`generate --out - | head`): not an error.
    if (err instanceof OutputClosed) return NO_RESULT;
    throw err;
  }
}

function runWorker(
  thread: DatasetThread<DatasetJob>,
  job: DatasetJob,
  onProgress: (p: DatasetProgress) => void,
  out: PackedSink | null,
): Promise<DatasetResult> {
  return new Promise((resolve, reject) => {
    const worker = thread.worker;
    let settled = false;
    let finished = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err);
      void worker.terminate();
    };
    const relay = out === null ? null : new JsonlRelay(out, worker, fail);
    thread.onMessage((message) => {
      const m = message as Message;
      if (m.type === "progress") onProgress(m.progress);
      else if (m.type === "done") {
        finished = true;
        const done = relay === null ? Promise.resolve() : relay.finish();
        done.then(() => {
          settled = true;
          resolve(m.result);
        }, fail);
      } else if (m.type === "error") fail(fromWorkerFailure(m));
      else relay?.handle(m);
    });
    worker.on("error", fail);
    const exited = (code: number) => {
      // After "done" the relay may still be writing: the exit is expected then.
      if (!finished) fail(new Error(`dataset worker exited with code ${code}`));
    };
    worker.on("exit", exited);
    const before = thread.post(job);
    if (before !== null) {
      if ("error" in before) fail(before.error);
      else exited(before.exit);
    }
  });
}

/** The worker's side: runs the job into its Parquet file, or packs it for the main thread (JSON Lines). */
function workerMain(port: MessagePort, job: DatasetJob): void {
  const post = (m: Message, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const relay = job.format === "jsonl" ? new RelayOut(post) : null;
  const onMessage = (m: RelayAck) => {
    if (m.type === "ack") relay?.onAck(m);
  };
  if (relay !== null) port.on("message", onMessage);
  runJob(job, relay, post)
    .catch((err: unknown) => post({ type: "error", ...toWorkerFailure(err) }))
    // Nothing else holds the worker open: it exits by itself once its last message is sent.
    .finally(() => port.off("message", onMessage));
}

// Started before its job (dataset-thread.ts): its modules load meanwhile; the job is the first message.
if (parentPort !== null && workerData === AWAIT_JOB) {
  const port = parentPort;
  port.once("message", (m: JobMessage<DatasetJob>) => {
    if (m.type === "job") workerMain(port, m.job);
    // "cancel": no job comes, and with no listener left the worker exits by itself.
  });
}
