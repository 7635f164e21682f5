import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

// These run the built CLI: `npm run build` first (npm test does it in pretest).
const tmp = tempDir("tw-score-cli-");
afterAll(() => tmp.remove());

function jsonl(name: string, lines: (object | string)[]): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, lines.map((l) => `${typeof l === "string" ? l : JSON.stringify(l)}\n`).join(""));
  return path;
}

const iso = (minutes: number) =>
  new Date(Date.parse("2026-01-01T00:00:00Z") + minutes * 60_000).toISOString();
const label = (id: string, start: number, end: number, extra: object = {}) => ({
  cascade_id: id,
  name: "drill",
  start: iso(start),
  end: iso(end),
  scope: {},
  effects: {},
  ...extra,
});

// The hand-made case of test/analysis/score.test.ts, with an open record (skipped), a closed one, and
// one without `state` (as generate writes today): recall 2/3, precision 3/5, F1 12/19, TTD 225 s.
const labels = jsonl("labels.jsonl", [
  label("A", 10, 15),
  { cascade_id: "B", name: "drill", start: iso(30), state: "open" },
  label("B", 30, 35, { state: "closed" }),
  "",
  label("C", 60, 62),
  { cascade_id: "D", name: "drill", start: iso(70), state: "open" },
]);
const alerts = jsonl(
  "alerts.jsonl",
  [9, 11, 16, 36.5, 45].map((m) => ({ timestamp: iso(m), rule: "5xx" })),
);

describe("tracewalk score", () => {
  it("prints the contracted JSON with the hand-computed values", async () => {
    const r = await runCli(["score", "--labels", labels, "--alerts", alerts, "--tolerance", "2m", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      windows: 3,
      alerts: 5,
      recall: 0.666667,
      precision: 0.6,
      f1: 0.631579,
      mean_time_to_detect_s: 225,
      median_time_to_detect_s: 225,
      // Per-call keys are there, null: no --events/--flags were given.
      event_precision: null,
      range_recall: null,
      false_alarms_per_hour: 3.24324, // 2 false alarms over 37 quiet minutes
      time_to_detect_s: { A: 60, B: 390, C: null },
    });
    expect(JSON.parse(r.stdout).nab_score).toBeGreaterThan(0);
  });

  it("prints a table, with 2m as the default tolerance, and reads alerts from stdin", async () => {
    const r = await runCli(["score", "--labels", labels, "--alerts", "-"], {
      input: readFileSync(alerts, "utf8"),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^windows\s+3\s+2 detected$/m);
    expect(r.stdout).toMatch(/^precision\s+0\.6000\s/m);
    expect(r.stdout).toMatch(/^nab score\s+\d+\.\d\d\s/m);
    expect(r.stdout).toMatch(/^false alarms\/h\s+3\.243\s+2 alerts in no window/m);
    // A 30s tolerance loses the late alert of B: recall 1/3, precision 1/5 (only 11m is inside).
    const tight = await runCli([
      "score",
      "--labels",
      labels,
      "--alerts",
      alerts,
      "--tolerance",
      "30s",
      "--json",
    ]);
    expect(JSON.parse(tight.stdout)).toMatchObject({
      recall: 0.333333,
      precision: 0.2,
      mean_time_to_detect_s: 60,
    });
  });

  it("names file:line of a malformed alerts line, exits 2, prints no stack", async () => {
    const bad = jsonl("bad-alerts.jsonl", [{ timestamp: iso(1) }, "", '{"timestamp": "2026-01-01T00:0', {}]);
    const r = await runCli(["score", "--labels", labels, "--alerts", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3: malformed JSON`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe("");
  });

  it.each([
    [[{ timestamp: iso(1) }, { ts: iso(2) }], ':2: field "timestamp" is missing'],
    [[{ timestamp: "Jan 1 2026" }], ':1: field "timestamp" must be an RFC 3339 date-time'],
    [[{ timestamp: "2026-02-30T00:00:00Z" }], ':1: field "timestamp" must be an RFC 3339 date-time'],
    [[[1, 2]], ":1: expected a JSON object (one alert per line)"],
  ])("names the bad alert field: %j", async (lines, message) => {
    const path = jsonl("alerts-field.jsonl", lines);
    const r = await runCli(["score", "--labels", labels, "--alerts", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}${message}`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it.each([
    [[{ cascade_id: "A", start: iso(0) }], ':1: field "end" is missing'],
    [[{ start: iso(0), end: iso(1) }], ':1: field "cascade_id" is missing'],
    [[label("A", 5, 1)], ':1: field "end" is before "start"'],
    [[label("A", 0, 1, { state: "done" })], ':1: field "state" must be "open" or "closed"'],
    [[label("A", 0, 1), label("A", 0, 2)], ':2: cascade_id "A" closes again with other instants'],
  ])("names the bad label field: %j", async (lines, message) => {
    const path = jsonl("labels-field.jsonl", lines);
    const r = await runCli(["score", "--labels", path, "--alerts", alerts]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}${message}`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("names an unreadable file and a bad tolerance, exit 2", async () => {
    const missing = join(tmp.dir, "nope.jsonl");
    const r = await runCli(["score", "--labels", missing, "--alerts", alerts]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${missing}: cannot read input: no such file`);
    const t = await runCli(["score", "--labels", labels, "--alerts", alerts, "--tolerance", "soon"]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain("--tolerance: invalid duration");
    const a = await runCli(["score", "--labels", labels]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--alerts is required");
  });

  it("scores a naive 5xx detector on a generated dataset end to end", async () => {
    const out = join(tmp.dir, "gen.jsonl");
    const g = await runCli([
      "generate",
      "--users",
      "200",
      "--days",
      "1",
      "--seed",
      "7",
      "--cascade-rate",
      "0.3",
      "--out",
      out,
      "--no-progress",
    ]);
    expect(g.code, g.stderr).toBe(0);
    // The detector: every event with status >= 500 is an alert at its timestamp.
    const fired = readFileSync(out, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { timestamp: string; status_code: number })
      .filter((e) => e.status_code >= 500)
      .map((e) => ({ timestamp: e.timestamp }));
    const alertsPath = jsonl("gen-alerts.jsonl", fired);
    const labelsPath = join(tmp.dir, "gen.labels.jsonl");
    const r = await runCli(["score", "--labels", labelsPath, "--alerts", alertsPath, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, number>;
    expect(s.windows).toBe(readFileSync(labelsPath, "utf8").split("\n").filter(Boolean).length);
    expect(s.windows).toBeGreaterThan(20);
    expect(s.alerts).toBe(fired.length);
    expect(s.recall).toBeGreaterThan(0.5);
    for (const k of ["recall", "precision", "f1"] as const) {
      expect(s[k]).toBeGreaterThanOrEqual(0);
      expect(s[k]).toBeLessThanOrEqual(1);
    }
    expect(s.mean_time_to_detect_s).toBeGreaterThanOrEqual(0);
    expect(s.median_time_to_detect_s).toBeGreaterThanOrEqual(0);
  });
});
