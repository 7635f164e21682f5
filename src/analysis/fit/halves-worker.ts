// The thread that reads the second half of a file for `fit` (see halves.ts): it learns from the
// calls there as the main thread learns from the first, and sends back what it learned with the
// first calls of each session key. It declines (and the main thread reads the half itself) when the
// half is not in time order, has a line it cannot use, or the main thread asks it to stop.
import { parentPort, workerData } from "node:worker_threads";
import { Templater } from "../../recordings/index.js";
import type { HalfJob, HalfMessage, StopMessage } from "./halves.js";
import { type InputTally, readCalls } from "./input.js";
import { SessionKeys } from "./keys.js";
import { FitLearner, Touches } from "./learner.js";

async function main(job: HalfJob): Promise<HalfMessage> {
  let stop = false;
  const onMessage = (m: StopMessage) => {
    if (m.type === "stop") stop = true;
  };
  parentPort?.on("message", onMessage);
  try {
    return await learn(job, () => stop);
  } finally {
    // The port no longer keeps the thread alive: it ends once its answer is sent.
    parentPort?.off("message", onMessage);
  }
}

async function learn(job: HalfJob, stopped: () => boolean): Promise<HalfMessage> {
  const keys = new SessionKeys();
  const learner = new FitLearner(job.gapMs);
  const input: InputTally = { lines: 0, malformed: 0, skipped: 0, examples: [] };
  let last = Number.NEGATIVE_INFINITY;
  // Why it stopped reading (the reader wraps what a call throws in its own error).
  let declined: string | null = null;
  const decline = (why: string): never => {
    declined = why;
    throw new Error(why);
  };
  // Strict: the first line it cannot use ends its reading (the main thread then reads the half and
  // names that line), instead of a read to the end of the half that is then thrown away.
  const read = { format: "jsonl" as const, strict: true, templater: new Templater([]), keys };
  try {
    await readCalls(
      job.path,
      read,
      input,
      (c) => {
        if (stopped()) decline("stopped");
        if (c.at < last) decline("not in time order");
        if (learner.touches === null) learner.touches = new Touches(c.at + job.touchMs);
        last = c.at;
        learner.add(c);
      },
      { range: { from: job.from, to: Number.POSITIVE_INFINITY }, firstLine: 0 },
    );
  } catch (err) {
    return { type: "declined", why: declined ?? unplaced(job.path, (err as Error).message) };
  }
  learner.finish();
  const touches = learner.touches;
  return {
    type: "learned",
    state: learner.state(),
    input: { lines: input.lines, skipped: input.skipped },
    touches: touches === null ? [] : [...touches.byKey].map(([key, t]) => [keys.idOf(key), t]),
    touchedUntil: touches === null ? Number.POSITIVE_INFINITY : touches.until,
  };
}

// A reader's message without its place (`path:line: `, or `path: `): its line numbers are this half's.
function unplaced(path: string, message: string): string {
  return message.startsWith(`${path}:`)
    ? message
        .slice(path.length + 1)
        .replace(/^\d+:/, "")
        .trim()
    : message;
}

parentPort?.postMessage(await main(workerData as HalfJob));
