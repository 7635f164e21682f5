import { describe, expect, it } from "vitest";
import { SummaryRecorder } from "../../src/summary/recorder.js";
import { summarySchema } from "../../src/summary/schema.js";
import { buildSummary, mergeSummaries, type RunFacts } from "../../src/summary/summary.js";
import { formatTable } from "../../src/summary/table.js";
import { parseThreshold, type Threshold } from "../../src/summary/thresholds.js";

const counters: RunFacts["counters"] = {
  events_emitted: 0,
  events_undelivered: 0,
  arrivals_dropped: 0,
  arrivals_late: 0,
  sessions_started: 0,
  sessions_completed: 0,
  sessions_cut: 0,
};

function threshold(expr: string): Threshold {
  const t = parseThreshold("schedule_lag", expr);
  if (typeof t === "string") throw new Error(t);
  return t;
}

function summaryOf(lags: number[], thresholds: Threshold[]) {
  const rec = new SummaryRecorder();
  for (const ms of lags) rec.observeLag(ms);
  return buildSummary(rec, { command: "run", seed: 1, thresholds, counters });
}

describe("the schedule_lag summary metric", () => {
  it("goes from the recorder into the JSON (valid against its schema), the table and a threshold", () => {
    const s = summaryOf([0, 0.1, 120], [threshold("max<100"), threshold("p(50)<1")]);
    expect(s.schedule_lag).toMatchObject({ count: 3, min_ms: 0, max_ms: 120 });
    expect(s.schedule_lag_ms).toMatchObject({ min: 0, p50: 0.1, max: 120 });
    expect(s.thresholds.map((t) => [t.ok, t.value])).toEqual([
      [false, 120],
      [true, 0.1],
    ]);
    expect(s.passed).toBe(false);
    expect(summarySchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(formatTable(s)).toContain("schedule lag (wall time behind the schedule, 3 batches): p50 0.1");
    expect(formatTable(s)).toContain("✗ schedule_lag: max<100  (120)");
  });

  it("is null without a batch, and the table says nothing of it", () => {
    const s = summaryOf([], [threshold("max<0")]);
    expect(s.schedule_lag_ms).toBeNull();
    expect(s.schedule_lag.count).toBe(0);
    expect(s.thresholds[0]).toMatchObject({ value: null, ok: true });
    expect(formatTable(s)).not.toContain("schedule lag");
  });

  it("merges exactly across shards, and the thresholds are evaluated on the whole", () => {
    const a = summaryOf([1, 2], [threshold("max<10")]);
    const b = summaryOf([30], [threshold("max<10")]);
    expect(a.passed && !b.passed).toBe(true);
    const m = mergeSummaries([a, b]);
    expect(m.schedule_lag).toEqual(summaryOf([1, 2, 30], []).schedule_lag);
    expect(m.thresholds).toEqual([{ metric: "schedule_lag", expression: "max<10", value: 30, ok: false }]);
  });
});
