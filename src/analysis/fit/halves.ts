import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { formatByName, formatOfLine, isBlankBytes } from "../../recordings/index.js";
import { type InputTally, type ReadOptions, readCalls } from "./input.js";
import type { FitLearner, LearnedState, Touch } from "./learner.js";

/**
 * Reading a large file of Event v1 lines in two halves at once: a worker thread learns from the
 * second half while the main thread learns from the first, and the main thread joins what the worker
 * learned to its own (FitLearner.join), which gives what one thread reading the whole file learns.
 * The join needs the second half in time order (then when sessions end does not hang on when the
 * learner swept them); the worker checks, and declines when it is not, or when it meets a line it
 * cannot use (so that messages name lines as one reader does): the main thread then reads the second
 * half itself, after the first.
 */

/**
 * Files smaller than this are read on one thread. On two cores the worker's start (~0.14 s beside the
 * main thread's reading) and two threads' sharing of a core's caches eat the gain below it: a 76 MB
 * file took 0.38-0.42 s on one thread and 0.44-0.52 s in halves, 150 MB 0.58-0.61 s either way, 230 MB
 * 0.73-0.76 against 0.70-0.74, 300 MB 0.86-0.90 against 0.76-0.77 (bench/README.md, "bench/fit").
 */
export const HALVES_FROM = 256 << 20;

/** The worker's job (its workerData). */
export interface HalfJob {
  path: string;
  /** The second half's first byte: a line's. */
  from: number;
  gapMs: number;
  /** How long after its first call the worker records each key's first calls (see Touches). */
  touchMs: number;
}

/** What the main thread may send the worker: stop reading (the first half failed). */
export interface StopMessage {
  type: "stop";
}

/** The worker's answer. */
export type HalfMessage =
  | { type: "declined"; why: string }
  | {
      type: "learned";
      state: LearnedState;
      input: { lines: number; skipped: number };
      /** By session id. */
      touches: [string, Touch][];
      touchedUntil: number;
    };

function workerUrl(): URL {
  const here = new URL("./halves-worker.js", import.meta.url);
  // From the sources (the test runner), the built one, as for the CLI's tests.
  return existsSync(fileURLToPath(here))
    ? here
    : new URL("../../../dist/analysis/fit/halves-worker.js", import.meta.url);
}

const PROBE = 1 << 16;

/** How long the worker may take to end once it answered or was asked to stop. */
const EXIT_WAIT_MS = 10_000;

/**
 * Waits for the worker's `exit` (listened to since it started), EXIT_WAIT_MS at most; then the worker
 * no longer keeps the process alive. A thread's exit can hang in Node (nodejs/node#54918), and fit's
 * answer does not wait on it. Not seen with this worker: 0 of 880 runs (`bench/fit-exits.sh`).
 */
async function ended(worker: Worker, exit: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, EXIT_WAIT_MS);
  });
  await Promise.race([exit, late]);
  clearTimeout(timer);
  worker.unref();
}

/**
 * Where the second half of `path` starts, or null to read it on one thread: not one regular file of
 * Event v1 lines (by --format, else its first line) of `from` bytes or more, or no line starts after
 * its middle.
 */
export function halfway(path: string, o: ReadOptions, from: number): number | null {
  if (path === "-" || path.toLowerCase().endsWith(".gz")) return null;
  const format = formatByName(path, o.format);
  if (format !== undefined && format !== "jsonl") return null;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null; // the reader reports it
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size < Math.max(from, 2)) return null;
    const b = Buffer.alloc(PROBE);
    if (format === undefined && !startsJsonl(b.subarray(0, readSync(fd, b, 0, PROBE, 0)))) return null;
    const mid = Math.floor(stat.size / 2);
    const n = readSync(fd, b, 0, PROBE, mid);
    const nl = b.subarray(0, n).indexOf(10);
    return nl < 0 || mid + nl + 1 >= stat.size ? null : mid + nl + 1;
  } finally {
    closeSync(fd);
  }
}

// Whether the first non-blank line in `b` makes the file Event v1 (formatOfLine), as the reader decides.
function startsJsonl(b: Buffer): boolean {
  for (let start = 0; start < b.length; ) {
    const nl = b.indexOf(10, start);
    if (nl < 0) return false;
    const end = nl > start && b[nl - 1] === 13 ? nl - 1 : nl;
    if (!isBlankBytes(b, start, end)) return formatOfLine(b.toString("utf8", start, end)) === "jsonl";
    start = nl + 1;
  }
  return false;
}

/** How a file was read: on two threads, or why on one. */
export type Reading = { threads: 2 } | { threads: 1; why?: string };

/**
 * Reads `path` (its second half starting at `from`, see halfway) into `learner` and `tally`, on two
 * threads when the worker's half can be joined, else on this one.
 */
export async function readHalves(
  path: string,
  o: ReadOptions,
  tally: InputTally,
  learner: FitLearner,
  gapMs: number,
  from: number,
): Promise<Reading> {
  const job: HalfJob = { path, from, gapMs, touchMs: 2 * gapMs };
  const worker = new Worker(workerUrl(), { workerData: job, stdout: false });
  const answer = new Promise<HalfMessage>((resolve) => {
    worker.once("message", resolve);
    worker.once("error", (err) => resolve({ type: "declined", why: String(err) }));
    worker.once("exit", (code) => resolve({ type: "declined", why: `exited with code ${code}` }));
  });
  const exit = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  let lines: number;
  try {
    lines = await readCalls(path, o, tally, (c) => learner.add(c), {
      range: { from: 0, to: from },
      firstLine: 0,
    });
  } catch (err) {
    // The worker stops at its next chunk and ends by itself (not terminated halfway: see
    // nodejs/node#54918 in bench/README.md).
    worker.postMessage({ type: "stop" } satisfies StopMessage);
    await ended(worker, exit);
    throw err;
  }
  const half = await answer;
  await ended(worker, exit);
  if (half.type === "learned") {
    const touches = new Map<string | number, Touch>();
    for (const [id, t] of half.touches) touches.set(o.keys.of(id), t);
    if (learner.join(half.state, touches, half.touchedUntil)) {
      tally.lines += half.input.lines;
      tally.skipped += half.input.skipped;
      return { threads: 2 };
    }
  }
  const why = half.type === "declined" ? half.why : "sessions open at the middle could not be joined";
  await readCalls(path, o, tally, (c) => learner.add(c), {
    range: { from, to: Number.POSITIVE_INFINITY },
    firstLine: lines,
  });
  return { threads: 1, why: `the second half: ${why}` };
}
