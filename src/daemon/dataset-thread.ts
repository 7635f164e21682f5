import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";

// Light on purpose (node: modules only): `generate` starts the dataset worker with this before it
// imports anything heavy, so that the worker loads its modules (~0.14 s) while the main thread loads
// its own and reads the workflow, not after.

// The engine allocates an object and a few strings per event; a young generation larger than V8's
// default halves the time spent collecting them (measured: 2x events/s on `generate`).
const YOUNG_GENERATION_MB = 192;
// ...and starting it large: V8 grows a semi-space from 1 MB by doubling, and the many small collections
// on the way promote objects that die soon after. V8's flags are per process, read when an isolate's
// heap is set up: set before the worker starts, this one applies to the worker's (measured: the
// worker's scavenges took 130-170 ms instead of 290 for 2.2M events). The main thread's heap is set up
// already, and nothing else in a `generate` process makes an isolate.
const MIN_SEMI_SPACE_MB = 32;

/**
 * The worker's script: next to this file when built; from the sources (the test runner), the built one
 * (`npm run build` first, as for the CLI's tests).
 */
export function datasetWorkerUrl(): URL {
  const here = new URL("./dataset-worker.js", import.meta.url);
  return existsSync(fileURLToPath(here))
    ? here
    : new URL("../../dist/daemon/dataset-worker.js", import.meta.url);
}

/** The worker's `workerData`: it waits for its job, the first message it gets. */
export const AWAIT_JOB = "tracewalk:dataset-job";

/** What the main thread sends a started worker first: its job, or that there will be none. */
export type JobMessage<J> = { type: "job"; job: J } | { type: "cancel" };

/**
 * A dataset worker started before its job is known. The job goes to it once (`send`, or `post`); if
 * none does, `release` tells it so, and it exits by itself once its modules are loaded (not terminated
 * halfway through them: see nodejs/node#54918 in bench/README.md).
 */
export class DatasetThread<J = unknown> {
  readonly worker: Worker;
  private job: J | undefined = undefined;
  private used = false;
  /** An error or exit of the worker before anyone listened: the one who takes it hears of it then. */
  private early: { error: unknown } | { exit: number } | null = null;
  /** The worker's messages until someone listens (`onMessage`): a job sent early may answer before. */
  private pending: unknown[] | null = [];
  private listener: (m: unknown) => void = () => {};

  /** `script`: the worker's (a test's stand-in; the dataset worker by default). */
  constructor(script: URL = datasetWorkerUrl()) {
    setFlagsFromString(`--min-semi-space-size=${MIN_SEMI_SPACE_MB}`);
    this.worker = new Worker(script, {
      workerData: AWAIT_JOB,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      stdout: false,
    });
    this.worker.on("error", (error) => {
      this.early ??= { error };
    });
    this.worker.on("exit", (exit) => {
      this.early ??= { exit };
    });
    this.worker.on("message", (m: unknown) => {
      if (this.pending === null) this.listener(m);
      else this.pending.push(m);
    });
  }

  /**
   * Sends the worker its job now, once: it starts while this thread still loads what it needs to take
   * the job's output. Its messages wait for `onMessage`, and what happened to it for `post`.
   */
  send(job: J): void {
    if (this.used) throw new Error("dataset worker: a job was already sent");
    this.used = true;
    this.job = job;
    if (this.early === null) this.worker.postMessage({ type: "job", job } satisfies JobMessage<J>);
  }

  /**
   * Sends the worker its job, unless `send` sent this one already, and returns what happened to it
   * before then: an error it raised, the code it exited with, or null when it is running as it should.
   */
  post(job: J): { error: unknown } | { exit: number } | null {
    if (!this.used) this.send(job);
    else if (this.job !== job) throw new Error("dataset worker: a job was already sent");
    return this.early;
  }

  /** Hands the worker's messages to `listener`: first those that came before, then each as it comes. */
  onMessage(listener: (m: unknown) => void): void {
    const pending = this.pending ?? [];
    this.pending = null;
    this.listener = listener;
    for (const m of pending) listener(m);
  }

  /**
   * Nobody will take the worker's output. With no job sent (the command failed before it had one), the
   * worker exits once it has loaded. With a job sent and nobody listening (the command failed while it
   * made the job's output), it is stopped at its first message: it has loaded then, and is on the job.
   */
  release(): void {
    if (this.used) {
      if (this.pending !== null) this.onMessage(() => void this.worker.terminate());
      return;
    }
    this.used = true;
    if (this.early === null) this.worker.postMessage({ type: "cancel" } satisfies JobMessage<J>);
  }
}
