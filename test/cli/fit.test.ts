import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FitReport } from "../../src/analysis/fit/index.js";
import { expectedChain, START } from "../../src/analysis/index.js";
import { validateFile } from "../../src/cli/commands/validate.js";
import type { TraceEvent } from "../../src/event/index.js";
import { getPreset, parseWorkflow, type Workflow } from "../../src/workflow/index.js";
import { MAIN } from "../helpers/cli.js";

// These run the built CLI: `npm run build` first (npm test does it in pretest).
let dir: string;

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", input, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Generates `users` users' events of a preset, one session each, never cut by max_length. */
function generate(preset: string, users: number, seed: number): string {
  const out = join(dir, `${preset}-${seed}.jsonl`);
  const r = cli([
    "generate",
    "--workflow",
    preset,
    "--users",
    String(users),
    "--seed",
    String(seed),
    "--sessions-per-user",
    "1,0",
    "--max-length",
    "1000",
    "--out",
    out,
    "--no-progress",
  ]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

function runFit(inputs: string[], extra: string[] = [], stdin?: string) {
  const out = join(dir, `fit-${Math.random().toString(36).slice(2)}.yaml`);
  const r = cli(["fit", ...inputs.flatMap((i) => ["--input", i]), "--out", out, "--json", ...extra], stdin);
  return { ...r, out, report: r.code === 0 ? (JSON.parse(r.stdout) as FitReport) : undefined };
}

/**
 * Every learned probability within 4 binomial sigmas of the original (plus the 1e-6 of rounding),
 * for the entry row and every non-exit row; a transition the original lacks must not be learned.
 */
function expectWithinBounds(original: Workflow, report: FitReport): void {
  const chain = expectedChain(original);
  const learned = new Map(report.rows.map((r) => [r.source, r]));
  expect(new Set(report.workflow.exit_points)).toEqual(new Set(original.exit_points));
  expect(new Set(learned.keys())).toEqual(new Set(chain.keys()));
  for (const [source, row] of chain) {
    const got = learned.get(source)!;
    const edges = new Map(got.edges.map((e) => [e.target, e.p]));
    for (const target of new Set([...row.keys(), ...edges.keys()])) {
      const p = row.get(target) ?? 0;
      const q = edges.get(target) ?? 0;
      const bound = 4 * Math.sqrt((p * (1 - p)) / got.n) + 1e-6;
      expect(
        Math.abs(q - p),
        `${source} -> ${target}: learned ${q}, true ${p}, n ${got.n}`,
      ).toBeLessThanOrEqual(bound);
    }
  }
}

async function expectRunnable(path: string): Promise<void> {
  const v = await validateFile(path);
  expect(v.problems).toEqual([]);
  expect(v.valid).toBe(true);
  const g = cli(["generate", "--workflow", path, "--users", "20", "--out", "-", "--no-progress"]);
  expect(g.code, g.stderr).toBe(0);
  expect(g.stdout.split("\n").length).toBeGreaterThan(20);
}

const pad = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function logTime(iso: string): string {
  const d = new Date(iso);
  const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${hms} +0000`;
}

/** A combined-format access log of events: concrete paths, query parameters, one client address per user. */
function accessLog(eventsFile: string): string {
  const lines = readFileSync(eventsFile, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const e = JSON.parse(l) as TraceEvent;
      const n = Number(e.user_id.split("-")[1]);
      const addr = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const query = new URLSearchParams(Object.entries(e.params).map(([k, v]) => [k, String(v)])).toString();
      const target = query === "" ? e.path : `${e.path}?${query}`;
      const seconds = (e.response_time_ms / 1000).toFixed(3);
      return `${addr} - - [${logTime(e.timestamp)}] "${e.method} ${target} HTTP/1.1" ${e.status_code} 512 "-" "Mozilla/5.0 (tw)" ${seconds}`;
    });
  const path = eventsFile.replace(/\.jsonl$/, ".log");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), "tracewalk-fit-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tracewalk fit: round trip from events", () => {
  it.each([
    ["ecommerce", 3000],
    ["simple", 2000],
    ["microservices", 2000],
  ])(
    "learns %s's probabilities within sampling error, and its output validates and runs",
    async (preset, users) => {
      const events = generate(preset, users, 11);
      const r = runFit([events]);
      expect(r.code, r.stderr).toBe(0);
      const original = getPreset(preset)!;
      expectWithinBounds(original, r.report!);
      if (original.user_type_distribution !== undefined) {
        expect(Object.keys(r.report!.workflow.user_type_distribution!).sort()).toEqual(
          Object.keys(original.user_type_distribution).sort(),
        );
      }
      expect(r.stderr).toContain("(start)");
      expect(r.stderr).toContain("think time");
      // What was written is what the report holds, and it runs.
      expect(parseWorkflow(readFileSync(r.out, "utf8"), r.out)).toEqual(r.report!.workflow);
      await expectRunnable(r.out);
    },
  );
});

describe("tracewalk fit: Parquet", () => {
  it("learns the same workflow from the Parquet file of the same events", () => {
    const jsonl = join(dir, "pq.jsonl");
    const parquet = join(dir, "pq.parquet");
    for (const out of [jsonl, parquet]) {
      const g = cli([
        "generate",
        "--workflow",
        "simple",
        "--users",
        "300",
        "--seed",
        "5",
        "--out",
        out,
        "--no-progress",
      ]);
      expect(g.code, g.stderr).toBe(0);
    }
    const a = runFit([jsonl]);
    const b = runFit([parquet]);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(b.out, "utf8")).toBe(readFileSync(a.out, "utf8"));
  });
});

describe("tracewalk fit: round trip from an access log", () => {
  it.each([
    ["ecommerce", 3000, []],
    ["simple", 2000, []],
    // microservices' /inventory/{sku} takes SKU codes the automatic rules do not template.
    ["microservices", 2000, ["--template", "/inventory/{sku}"]],
  ])(
    "templates %s's paths back to its endpoints and learns its probabilities",
    async (preset, users, extra) => {
      const log = accessLog(generate(preset, users, 12));
      const r = runFit([log], extra);
      expect(r.code, r.stderr).toBe(0);
      const original = getPreset(preset)!;
      const endpoints = (w: Workflow) => new Set([...Object.keys(w.transitions), ...w.exit_points]);
      expect(endpoints(r.report!.workflow)).toEqual(endpoints(original));
      expectWithinBounds(original, r.report!);
      expect(r.report!.input.malformed).toBe(0);
      await expectRunnable(r.out);
    },
  );

  it("sessionizes by the log's user where it has one, else by address and user agent", () => {
    const path = join(dir, "users.log");
    const line = (addr: string, user: string, s: number, target: string, agent: string) =>
      `${addr} - ${user} [01/Jan/2026:00:00:${pad(s)} +0000] "GET ${target} HTTP/1.1" 200 5 "-" "${agent}" 0.010`;
    const lines = [
      line("10.0.0.1", "alice", 0, "/a", "phone"),
      line("10.0.0.2", "-", 1, "/a", "curl"),
      line("10.0.0.9", "alice", 2, "/b", "laptop"), // alice again, from elsewhere: the same session
      line("10.0.0.2", "-", 3, "/c", "firefox"), // same address, another agent: another session
    ];
    writeFileSync(path, `${lines.join("\n")}\n`);
    const r = runFit([path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.report!.sessions.sessions).toBe(3);
    expect(r.report!.workflow.transitions["/a"]).toEqual({ "/b": 0.5, $end: 0.5 });
  });

  it("reads a gzipped log as the same log", () => {
    const log = accessLog(generate("simple", 300, 13));
    writeFileSync(`${log}.gz`, gzipSync(readFileSync(log)));
    const plain = runFit([log]);
    const gz = runFit([`${log}.gz`]);
    expect(gz.code, gz.stderr).toBe(0);
    expect(readFileSync(gz.out, "utf8")).toBe(readFileSync(plain.out, "utf8"));
  });
});

describe("tracewalk fit: malformed input", () => {
  const good = (i: number, session: string, endpoint: string) =>
    JSON.stringify({
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      session_id: session,
      user_type: "new",
      call_index: i,
      endpoint,
      path: endpoint,
      method: "GET",
      params: {},
      status_code: 200,
      response_time_ms: 10,
      is_retry: false,
    });

  const file = () => {
    const path = join(dir, "mixed.jsonl");
    const lines = [
      good(0, "s", "/a"),
      "{not json",
      good(1, "s", "/b"),
      JSON.stringify({ session_id: "s" }),
      good(2, "s", "/a"),
    ];
    writeFileSync(path, `${lines.join("\n")}\n`);
    return path;
  };

  it("skips and counts malformed lines, naming the first ones", () => {
    const path = file();
    const r = runFit([path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.report!.input).toMatchObject({ lines: 5, malformed: 2 });
    expect(r.stderr).toContain(`${path}:2: malformed JSON`);
    expect(r.stderr).toContain(`${path}:4: field "endpoint" is missing`);
    expect(r.report!.workflow.transitions["/a"]).toEqual({ "/b": 0.5, $end: 0.5 });
  });

  it("with --strict stops at the first malformed line with file:line, exit 2, no stack", () => {
    const path = file();
    const r = runFit([path], ["--strict"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}:2: malformed JSON`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a malformed access log line is counted too, and --strict names it", () => {
    const path = join(dir, "bad.log");
    const ok = '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "ua"';
    writeFileSync(path, `${ok}\ngarbage line\n${ok.replace("/a", "/b").replace(":00 +", ":09 +")}\n`);
    expect(runFit([path]).report!.input).toMatchObject({ lines: 3, malformed: 1 });
    const strict = runFit([path], ["--strict", "--format", "combined"]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${path}:2:`);
  });

  it("reads stdin with -, and refuses input without a single call (exit 2)", () => {
    const r = runFit(["-"], [], `${good(0, "s", "/a")}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.report!.workflow.exit_points).toEqual(["/a"]);
    const empty = runFit(["-"], [], "junk\n");
    expect(empty.code).toBe(2);
    expect(runFit([join(dir, "missing.jsonl")]).stderr).toContain(
      "missing.jsonl: cannot read input: no such file",
    );
  });
});

describe("tracewalk fit: pruning and smoothing", () => {
  it("--min-count drops rare transitions and renormalizes; --smooth adds pseudo-counts", () => {
    const lines: string[] = [];
    const add = (s: string, path: string[]) =>
      path.forEach((e, i) => {
        lines.push(
          JSON.stringify({
            timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
            session_id: s,
            call_index: i,
            endpoint: e,
            path: e,
            method: "GET",
            params: {},
            status_code: 200,
            response_time_ms: 1,
            is_retry: false,
          }),
        );
      });
    for (let i = 0; i < 9; i++) add(`a${i}`, ["/a", "/b"]);
    add("c", ["/a", "/c"]);
    const path = join(dir, "rare.jsonl");
    writeFileSync(path, `${lines.join("\n")}\n`);
    expect(runFit([path]).report!.workflow.transitions["/a"]).toEqual({ "/b": 0.9, "/c": 0.1 });
    const pruned = runFit([path], ["--min-count", "2"]);
    expect(pruned.report!.workflow.transitions["/a"]).toEqual({ "/b": 1 });
    expect(pruned.report!.rows.find((r) => r.source === "/a")!.pruned).toEqual({ "/c": 1 });
    expect(runFit([path], ["--smooth", "1"]).report!.workflow.transitions["/a"]).toEqual({
      "/b": 0.833333,
      "/c": 0.166667,
    });
    expect(runFit([path]).report!.rows.find((r) => r.source === START)!.n).toBe(10);
  });
});
