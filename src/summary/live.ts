import type { Registry } from "prom-client";
import { type RunCounts, summarize } from "./finish.js";
import type { SummaryRecorder } from "./recorder.js";
import { renderReport } from "./report.js";
import type { ThresholdEntry } from "./thresholds.js";
import { parseThresholdMap } from "./thresholds.js";

/** Seconds between reloads of the live page. */
const REFRESH_S = 5;

export interface LiveOptions {
  rec: SummaryRecorder;
  registry: Registry;
  seed: number;
  /** The config's `thresholds:` (shown as they stand). */
  thresholds: Readonly<Record<string, readonly ThresholdEntry[]>>;
  /** The run's counts now. */
  counts: () => Omit<RunCounts, "undelivered" | "sessionsCut">;
}

/**
 * The live page (`GET /` with `metrics.ui: true`): the report's charts, table and thresholds for the
 * run so far, reloading itself every few seconds. No build step, nothing fetched but the page itself.
 * Nothing is counted undelivered or cut before the shutdown, which alone decides those.
 */
export function livePage(o: LiveOptions): () => Promise<string> {
  const thresholds = parseThresholdMap(o.thresholds).thresholds;
  return async () => {
    const counts = { ...o.counts(), undelivered: 0, sessionsCut: 0 };
    const s = await summarize(o.rec, o.registry, counts, "run (live)", o.seed, thresholds);
    return renderReport(s, REFRESH_S);
  };
}
