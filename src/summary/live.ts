import type { Registry } from "prom-client";
import { type RunCounts, summarize } from "./finish.js";
import type { SummaryRecorder } from "./recorder.js";
import { renderReport } from "./report.js";
import type { Threshold } from "./thresholds.js";

/** Seconds between reloads of the live page. */
const REFRESH_S = 5;

/**
 * The live page (`GET /` with `metrics.ui: true`): the report's charts, table and thresholds for the
 * run so far, reloading itself every few seconds. No build step, nothing fetched but the page itself.
 * Nothing is counted undelivered before the shutdown, which alone decides what was lost.
 */
export async function livePage(
  rec: SummaryRecorder,
  registry: Registry,
  counts: RunCounts,
  seed: number,
  thresholds: readonly Threshold[],
): Promise<string> {
  const s = await summarize(rec, registry, counts, "run (live)", seed, thresholds);
  return renderReport(s, REFRESH_S);
}
