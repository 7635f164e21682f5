import { writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Registry } from "prom-client";
import type { Logger } from "../daemon/index.js";
import { makeDirs } from "../sinks/files.js";
import type { SummaryRecorder } from "./recorder.js";
import { buildSummary, type RunFacts, type SummaryV1 } from "./summary.js";
import { formatTable } from "./table.js";
import type { Threshold } from "./thresholds.js";

/** Exit status of a run that ended cleanly with a threshold crossed (k6's, which CI scripts know). */
export const EXIT_THRESHOLDS = 99;

/** What the command line asked of the summary. */
export interface SummaryOptions {
  /** Thresholds of the config and of `--threshold`. */
  thresholds: readonly Threshold[];
  /** `--summary FILE`: the JSON summary. */
  summaryFile?: string;
  /** `--report FILE.html`: the HTML report. */
  reportFile?: string;
  /** Print the table on stderr (human logs); otherwise one `run summary` log record. */
  table: boolean;
}

/** The run's own counts, beside what the recorder saw. */
export interface RunCounts {
  events: number;
  undelivered: number;
  sessionsStarted: number;
  sessionsCompleted: number;
  sessionsCut: number;
}

/** The value of a counter family in the registry (0 when it is not registered, e.g. emit mode). */
async function counter(registry: Registry, name: string): Promise<number> {
  const m = registry.getSingleMetric(`tracewalk_${name}`);
  if (m === undefined) return 0;
  const v = await m.get();
  return v.values.reduce((n, x) => n + x.value, 0);
}

/** Builds the run's summary: the recorder's series, the run's counts and the registry's counters. */
export async function summarize(
  rec: SummaryRecorder,
  registry: Registry,
  run: RunCounts,
  command: string,
  seed: number,
  thresholds: readonly Threshold[],
): Promise<SummaryV1> {
  const counters: RunFacts["counters"] = {
    events_emitted: run.events,
    events_undelivered: run.undelivered,
    arrivals_dropped: await counter(registry, "arrivals_dropped_total"),
    arrivals_late: await counter(registry, "arrivals_late_total"),
    sessions_started: run.sessionsStarted,
    sessions_completed: run.sessionsCompleted,
    sessions_cut: run.sessionsCut,
  };
  return buildSummary(rec, { command, seed, thresholds, counters });
}

async function writeOut(path: string, text: string): Promise<void> {
  await makeDirs(dirname(path));
  await writeFile(path, text);
}

/**
 * Tells the summary: the table on stderr (or a log record), the JSON file, the HTML report. Returns
 * whether every threshold held.
 */
export async function publishSummary(s: SummaryV1, o: SummaryOptions, log: Logger): Promise<boolean> {
  if (o.table) process.stderr.write(formatTable(s));
  else {
    log.info(
      {
        requests: s.totals.requests,
        failed: s.totals.failed,
        latency_ms: s.latency_ms,
        schedule_lag_ms: s.schedule_lag_ms,
        events_undelivered: s.totals.events_undelivered,
        arrivals_dropped: s.totals.arrivals_dropped,
        thresholds: s.thresholds,
      },
      "run summary",
    );
  }
  if (o.summaryFile !== undefined) await writeOut(o.summaryFile, `${JSON.stringify(s, null, 1)}\n`);
  if (o.reportFile !== undefined) {
    const { renderReport } = await import("./report.js");
    await writeOut(o.reportFile, renderReport(s));
  }
  const crossed = s.thresholds.filter((r) => !r.ok);
  if (crossed.length > 0) {
    const list = crossed.map(
      (r) => `${r.metric}: ${r.expression} (${r.value === null ? null : Math.round(r.value * 1000) / 1000})`,
    );
    log.error({ crossed: list }, `thresholds crossed: ${crossed.length} of ${s.thresholds.length}`);
  }
  return crossed.length === 0;
}
