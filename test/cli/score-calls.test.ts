import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { prtsScores } from "../helpers/prts.js";

// `score --events --flags`: a per-call detector against the events' own ground truth, checked against
// the reference implementation of the range metrics (prts) on the same arrays. Runs the built CLI.
const tmp = tempDir("tw-score-calls-");
afterAll(() => tmp.remove());

interface Ev {
  event_id: string;
  timestamp: string;
  session_id: string;
  call_index: number;
  status_code: number;
  response_time_ms: number;
  cascade_id: string | null;
}

const events = join(tmp.dir, "gen.jsonl");
const flags = join(tmp.dir, "flags.jsonl");
let rows: Ev[] = [];
let flagged = new Set<string>();

beforeAll(async () => {
  const g = await runCli([
    "generate",
    "--users",
    "150",
    "--days",
    "1",
    "--seed",
    "5",
    "--cascade-rate",
    "0.3",
    "--out",
    events,
    "--no-progress",
  ]);
  expect(g.code, g.stderr).toBe(0);
  rows = readFileSync(events, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
  // A naive per-call detector: a 5xx or a slow call is flagged.
  flagged = new Set(
    rows.filter((e) => e.status_code >= 500 || e.response_time_ms > 1500).map((e) => e.event_id),
  );
  writeFileSync(flags, [...flagged].map((id) => `${JSON.stringify({ event_id: id })}\n`).join(""));
}, 60_000);

/** The 0/1 arrays the metrics are defined on: calls ordered by (timestamp, session_id, call_index). */
function arrays(): { real: number[]; pred: number[] } {
  const sorted = [...rows].sort(
    (a, b) =>
      Date.parse(a.timestamp) - Date.parse(b.timestamp) ||
      (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0) ||
      a.call_index - b.call_index,
  );
  return {
    real: sorted.map((e) => (e.cascade_id === null ? 0 : 1)),
    pred: sorted.map((e) => (flagged.has(e.event_id) ? 1 : 0)),
  };
}

const OPTION_SETS = [
  { alpha: 0, bias: "flat", cardinality: "one" }, // the defaults, given as no flags
  { alpha: 0.5, bias: "front", cardinality: "reciprocal" },
  { alpha: 0.2, bias: "middle", cardinality: "one" },
  { alpha: 1, bias: "back", cardinality: "reciprocal" },
];

describe("tracewalk score --events --flags", () => {
  it("equals prts' ts_precision/ts_recall within 1e-6, and counts event-level hits", async () => {
    const { real, pred } = arrays();
    expect(real.filter(Boolean).length).toBeGreaterThan(100);
    expect(pred.filter(Boolean).length).toBeGreaterThan(100);
    const reference = prtsScores(OPTION_SETS.map((o) => ({ real, pred, ...o })));
    for (const [i, o] of OPTION_SETS.entries()) {
      const extra =
        i === 0 ? [] : ["--alpha", String(o.alpha), "--bias", o.bias, "--cardinality", o.cardinality];
      const r = await runCli(["score", "--events", events, "--flags", flags, "--json", ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as Record<string, number | null>;
      const [precision, recall] = reference[i]!;
      expect(Math.abs(s.range_precision! - precision), JSON.stringify(o)).toBeLessThan(1e-6);
      expect(Math.abs(s.range_recall! - recall), JSON.stringify(o)).toBeLessThan(1e-6);
      expect(s.range_f1).toBeCloseTo((2 * precision * recall) / (precision + recall), 5);
      // Not a degenerate comparison: the detector is imperfect.
      expect(precision).toBeGreaterThan(0);
      expect(precision).toBeLessThan(1);
    }
    const hits = real.filter((x, i) => x === 1 && pred[i] === 1).length;
    const r = await runCli(["score", "--events", events, "--flags", flags, "--json"]);
    const s = JSON.parse(r.stdout) as Record<string, number | null>;
    const p = hits / pred.filter(Boolean).length;
    const rc = hits / real.filter(Boolean).length;
    expect(s.event_precision).toBeCloseTo(p, 5);
    expect(s.event_recall).toBeCloseTo(rc, 5);
    expect(s.event_f1).toBeCloseTo((2 * p * rc) / (p + rc), 5);
    // No labels: the window keys are null, and present.
    expect(s).toMatchObject({ windows: null, recall: null, nab_score: null, false_alarms_per_hour: null });
  }, 120_000);

  it("reads the same recording gzipped, as Parquet, from stdin and repeated, with the same numbers", async () => {
    const base = await runCli(["score", "--events", events, "--flags", flags, "--json"]);
    const gz = join(tmp.dir, "gen.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(events)));
    const fromGz = await runCli(["score", "--events", gz, "--flags", flags, "--json"]);
    expect(fromGz.stdout).toBe(base.stdout);
    // Read at least once: every event twice gives the same scores.
    const twice = join(tmp.dir, "twice.jsonl");
    writeFileSync(twice, readFileSync(events, "utf8").repeat(2));
    const fromTwice = await runCli(["score", "--events", twice, "--flags", flags, "--json"]);
    expect(fromTwice.stdout).toBe(base.stdout);
    const fromStdin = await runCli(["score", "--events", "-", "--flags", flags, "--json"], {
      input: readFileSync(events, "utf8"),
    });
    expect(fromStdin.stdout).toBe(base.stdout);
    const parquet = join(tmp.dir, "gen.parquet");
    const g = await runCli(
      ["generate", "--users", "150", "--days", "1", "--seed", "5", "--cascade-rate", "0.3"].concat([
        "--out",
        parquet,
        "--labels",
        join(tmp.dir, "pq.labels.jsonl"),
        "--no-progress",
      ]),
    );
    expect(g.code, g.stderr).toBe(0);
    const fromParquet = await runCli(["score", "--events", parquet, "--flags", flags, "--json"]);
    expect(fromParquet.code, fromParquet.stderr).toBe(0);
    expect(fromParquet.stdout).toBe(base.stdout);
  }, 120_000);

  it("with --labels too, scores the flagged calls' instants as alerts over the recording's span", async () => {
    const labels = join(tmp.dir, "gen.labels.jsonl");
    const r = await runCli(["score", "--events", events, "--flags", flags, "--labels", labels]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^alerts\\s+${flagged.size}\\s`, "m"));
    expect(r.stdout).toMatch(/^nab score\s+-?\d+\.\d\d\s/m);
    expect(r.stdout).toMatch(/^false alarms\/h\s+\d+\.\d{3}\s/m);
    expect(r.stdout).toMatch(/^range precision\s+0\.\d{4}\s+alpha 0, bias flat, cardinality one$/m);
  }, 60_000);

  it.each([
    [["--flags", "F"], "--events is required"],
    [["--events", "E"], "--flags is required"],
    [
      ["--events", "E", "--flags", "F", "--bias", "left"],
      '--bias: expected one of flat, front, middle, back, got "left"',
    ],
    [
      ["--events", "E", "--flags", "F", "--cardinality", "2"],
      "--cardinality: expected one of one, reciprocal",
    ],
    [["--events", "E", "--flags", "F", "--alpha", "2"], '--alpha: expected a number in [0, 1], got "2"'],
    [["--events", "-", "--flags", "-"], "only one of --events, --flags can read stdin (-)"],
    [["--events", "E", "--flags", "F", "--alerts", "F"], "--alerts needs --labels FILE"],
    [["--events", "E", "--flags", "F", "--prometheus", "http://127.0.0.1:1"], "--prometheus needs --labels"],
  ])("refuses %j with a one-line error, exit 2", async (args, message) => {
    const named = args.map((a) => (a === "E" ? events : a === "F" ? flags : a));
    const r = await runCli(["score", ...named]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("names a flag that is no event of the recording, and a flag line without event_id", async () => {
    const stray = join(tmp.dir, "stray.jsonl");
    writeFileSync(stray, `${JSON.stringify({ event_id: rows[0]!.event_id })}\n{"event_id":"nope"}\n`);
    const r = await runCli(["score", "--events", events, "--flags", stray]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${stray}:2: event_id "nope" is not an event of ${events}`);
    const bad = join(tmp.dir, "bad-flags.jsonl");
    writeFileSync(bad, '{"id":"x"}\n');
    const b = await runCli(["score", "--events", events, "--flags", bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`${bad}:1: field "event_id" is missing`);
  });
});
