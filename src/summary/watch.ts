import type { SummaryV1 } from "./summary.js";
import type { Threshold, ThresholdResult } from "./thresholds.js";

/** How often thresholds with `abort_on_fail` are checked during a run (wall ms). */
const EVERY_MS = 1000;

export interface WatchOptions {
  thresholds: readonly Threshold[];
  /** The summary of the run so far, with the given thresholds evaluated. */
  summarize: (thresholds: readonly Threshold[]) => Promise<SummaryV1>;
  /** Called once, with the thresholds crossed; the caller stops the run. */
  onCrossed: (crossed: ThresholdResult[]) => void;
}

/**
 * Checks the thresholds marked `abort_on_fail` every second once their `delay` has passed, and reports
 * the first crossing (k6's abortOnFail). Returns the function that stops watching; nothing is watched
 * (no timer at all) when no threshold asks for it.
 */
export function watchThresholds(o: WatchOptions): () => void {
  const watched = o.thresholds.filter((t) => t.abortOnFail === true);
  if (watched.length === 0) return () => {};
  const started = Date.now();
  let busy = false;
  const timer = setInterval(() => {
    const due = watched.filter((t) => Date.now() - started >= (t.delayMs ?? 0));
    if (busy || due.length === 0) return;
    busy = true;
    o.summarize(due).then(
      (s) => {
        busy = false;
        const crossed = s.thresholds.filter((r) => !r.ok);
        if (crossed.length === 0) return;
        clearInterval(timer);
        o.onCrossed(crossed);
      },
      () => {
        busy = false; // a summary that could not be made now is tried again on the next tick
      },
    );
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
