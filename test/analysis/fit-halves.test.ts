// fit reading a file in two halves at once (a worker thread learns from the second): the same report
// as one thread reading it whole, wherever the file is cut, and one thread's reading (with its line
// numbers) when the second half cannot be joined. The worker is the built one (`npm run build` first).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HALVES_FROM, halfway, readHalves } from "../../src/analysis/fit/halves.js";
import { FitLearner, fitInputs, Templater } from "../../src/analysis/fit/index.js";
import type { InputTally, ReadOptions } from "../../src/analysis/fit/input.js";
import { SessionKeys } from "../../src/analysis/fit/keys.js";
import { type FitRunOptions, fitReport } from "../../src/analysis/fit/run.js";
import { MAX_CHOICES, ParamStats } from "../../src/analysis/fit/stats.js";
import { RUNS } from "../property/clear.js";

const MAIN = new URL("../../dist/cli/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "tw-fit-halves-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPTIONS: FitRunOptions = {
  name: "halves",
  minCount: 0,
  smooth: 0,
  format: undefined,
  strict: false,
  gapMs: 30 * 60_000,
  templates: [],
  threads: 1,
};

/** The report of a read in halves cut at byte `from` (readHalves, as fitInputs runs it). */
async function halves(path: string, from: number, strict = false) {
  const learner = new FitLearner(OPTIONS.gapMs);
  const input: InputTally = { lines: 0, malformed: 0, skipped: 0, examples: [] };
  const o: ReadOptions = { format: undefined, strict, templater: new Templater([]), keys: new SessionKeys() };
  return fitReport(learner, input, OPTIONS, await readHalves(path, o, input, learner, OPTIONS.gapMs, from));
}

/** Everything but the most sessions open at once, which two halves give as a bound. */
function same(got: Awaited<ReturnType<typeof halves>>, want: Awaited<ReturnType<typeof fitInputs>>) {
  const { maxOpen, ...sessions } = got.sessions;
  const { maxOpen: wantOpen, ...wantSessions } = want.sessions;
  expect({ ...got, sessions, reading: null }).toEqual({ ...want, sessions: wantSessions, reading: null });
  expect(maxOpen).toBeGreaterThanOrEqual(wantOpen);
}

/** Byte offsets of the starts of lines `every` lines apart (and the line after each). */
function lineStarts(text: string, every: number): number[] {
  const starts: number[] = [];
  const lines = text.split("\n");
  let at = 0;
  for (const [i, line] of lines.entries()) {
    if (i > 0 && (i % every === 0 || i % every === 1)) starts.push(at);
    at += Buffer.byteLength(line) + 1;
  }
  return starts.filter((s) => s < Buffer.byteLength(text));
}

let events: string[];

beforeAll(() => {
  const out = join(dir, "generated.jsonl");
  const args = [
    "generate",
    "--workflow",
    "microservices",
    "--users",
    "400",
    "--seed",
    "5",
    "--cascade-rate",
    "0.3",
  ];
  const r = spawnSync(process.execPath, [MAIN, ...args, "--out", out, "--no-progress"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  events = readFileSync(out, "utf8").split("\n").filter(Boolean);
});

/**
 * Generated events (in time order, with retries and errors), and what else a recording has: a line
 * delivered twice, a parameter with more distinct values than are kept, a method that changes, more
 * seeds than sessions are packed for, and session ids of another form.
 */
function corpus(): string {
  const lines: string[] = [];
  for (const [i, line] of events.entries()) {
    const e = JSON.parse(line) as Record<string, unknown>;
    const user = Number(String(e.user_id).replace("user-", ""));
    const seed = (user % 20) + 1;
    for (const f of ["session_id", "event_id"]) e[f] = String(e[f]).replace(/^s5-/, `s${seed}-`);
    if (user % 13 === 0) e.session_id = `web-${e.session_id}`;
    // One id for all of a user's sessions: a new one is told by its call_index going back.
    if (user % 7 === 0) e.session_id = String(e.session_id).replace(/-\d+$/, "-0");
    if (e.endpoint === "/gateway") e.params = { q: `term-${i % 37}`, n: i % 11 };
    if (e.endpoint === "/auth/login" && i % 3 === 0) e.method = "PUT";
    lines.push(JSON.stringify(e));
    if (i % 97 === 5) lines.push(JSON.stringify(e));
  }
  return `${lines.join("\n")}\n`;
}

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

/** An Event v1 line: call `i` of `session` at `atMs` after T0. */
function call(
  session: string,
  i: number,
  atMs: number,
  latency: number,
  endpoint = i === 0 ? "/a" : "/b",
  more = {},
) {
  return JSON.stringify({
    event_id: `${session}-${i}`,
    timestamp: new Date(T0 + atMs).toISOString(),
    workflow: "w",
    user_id: "u",
    user_type: "t",
    session_id: session,
    call_index: i,
    endpoint,
    path: endpoint,
    method: "GET",
    params: {},
    status_code: 200,
    response_time_ms: latency,
    is_retry: false,
    cascade_id: null,
    ...more,
  });
}

describe("fit in two halves", () => {
  it("learns what one thread learns, wherever the file is cut", async () => {
    const text = corpus();
    const path = join(dir, "corpus.jsonl");
    writeFileSync(path, text);
    const want = await fitInputs([path], OPTIONS);
    expect(want.sessions.retries).toBeGreaterThan(100);
    expect(want.sessions.duplicates).toBeGreaterThan(50);
    expect(want.workflow.endpoints?.["/gateway"]?.params?.q).toHaveLength(MAX_CHOICES);
    // Every 1/12 of the file, and where a retry follows the call it retries.
    const cuts = lineStarts(text, Math.floor(events.length / 12));
    const lines = text.split("\n");
    for (let k = 1, n = 0; k < lines.length && n < 8; k++) {
      if (
        lines[k]!.includes('"is_retry":true') &&
        lines[k - 1]!.includes('"is_retry":false') &&
        k % 3 === 0
      ) {
        cuts.push(Buffer.byteLength(lines.slice(0, k).join("\n")) + 1);
        n++;
      }
    }
    let two = 0;
    for (const cut of cuts) {
      const got = await halves(path, cut);
      same(got, want);
      if (got.reading.threads === 2) two++;
    }
    expect(two).toBeGreaterThanOrEqual(cuts.length - 3);
  });

  it("reads the second half itself when a session may go on past the first calls the worker kept", async () => {
    // A response of 2 hours (the worker keeps the first calls of 2 gaps), and the session's next call
    // 10 minutes after it: one session, as one thread sees it.
    const lines = [call("s1-1-0", 0, 0, 2 * 3_600_000)];
    for (let m = 1; m < 200; m++) lines.push(call(`s1-${m + 1}-0`, 0, m * 30_000, 50, "/c"));
    lines.push(call("s1-1-0", 1, 2 * 3_600_000 + 10 * 60_000, 50));
    const path = join(dir, "long.jsonl");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const want = await fitInputs([path], OPTIONS);
    expect(want.workflow.transitions["/a"]).toEqual({ "/b": 1 });
    const got = await halves(path, halfway(path, readOptions(), 0)!);
    expect(got.reading).toEqual({
      threads: 1,
      why: "the second half: sessions open at the middle could not be joined",
    });
    same(got, want);
  });

  it("learns what one thread learns cut at any line of a recording with a case at each", async () => {
    const s = 1_000;
    const lines = [
      call("s1-1-0", 0, 0, 50),
      call("s1-2-0", 0, 10 * s, 50),
      call("s1-1-0", 1, 20 * s, 900, "/b", { status_code: 503 }),
      call("s1-1-0", 1, 22 * s, 40, "/b", { is_retry: true }), // a retry, then think time from its end
      call("s1-2-0", 1, 30 * s, 50),
      call("s1-2-0", 1, 30 * s, 50), // delivered twice
      call("s1-1-0", 0, 60 * s, 50), // the same id again: call_index went back, a new session
      call("s1-3-0", 0, 70 * s, 50, "/c"),
      call("s1-1-0", 1, 80 * s, 50),
      call("s1-3-0", 1, 90 * s, 50, "/a", { is_retry: true }), // a retry first
      call("s1-3-0", 2, 95 * s, 50, "/b"),
      call("web-4", 0, 100 * s, 50, "/c"),
      call("s1-5-0", 0, 100 * s, 50, "/c"),
      call("s1-5-0", 0, 35 * 60 * s, 50, "/c", { is_retry: true }), // a retry after a gap: the session ended
      call("s1-5-0", 1, 36 * 60 * s, 50, "/a"),
      call("s1-2-0", 2, 40 * 60 * s, 50, "/c"), // after a gap: a new session
      call("web-4", 1, 41 * 60 * s, 50, "/a"),
    ];
    const text = `${lines.join("\n")}\n`;
    const path = join(dir, "cases.jsonl");
    writeFileSync(path, text);
    const want = await fitInputs([path], OPTIONS);
    expect(want.sessions).toMatchObject({ sessions: 9, retries: 3, duplicates: 1 });
    let two = 0;
    for (let at = text.indexOf("\n") + 1; at > 0 && at < text.length; at = text.indexOf("\n", at) + 1) {
      const got = await halves(path, at);
      same(got, want);
      if (got.reading.threads === 2) two++;
    }
    expect(two).toBe(lines.length - 2);
  });

  it("cut where a session's call comes twice, reads the second half itself", async () => {
    const text = corpus();
    const lines = text.split("\n");
    const i = lines.findIndex((l, k) => k > 100 && lines[k + 1] === l && l.includes('"is_retry":false'));
    const path = join(dir, "twice.jsonl");
    writeFileSync(path, text);
    const cut = Buffer.byteLength(lines.slice(0, i + 1).join("\n")) + 1;
    const got = await halves(path, cut);
    expect(got.reading).toEqual({
      threads: 1,
      why: "the second half: sessions open at the middle could not be joined",
    });
    same(got, await fitInputs([path], OPTIONS));
  });

  it("reads a second half out of time order itself, after the first", async () => {
    const lines = corpus().split("\n");
    const k = Math.floor(lines.length * 0.75);
    [lines[k], lines[k + 1]] = [lines[k + 1]!, lines[k]!];
    const text = lines.join("\n");
    const path = join(dir, "unordered.jsonl");
    writeFileSync(path, text);
    const want = await fitInputs([path], OPTIONS);
    const got = await halves(path, halfway(path, readOptions(), 0)!);
    expect(got.reading).toEqual({ threads: 1, why: "the second half: not in time order" });
    same(got, want);
  });

  it("names a malformed line of the second half as one reader does, strict or not", async () => {
    const lines = corpus().split("\n");
    lines.splice(Math.floor(lines.length * 0.8), 0, '{"event_id":"x","timestamp":"no time"}');
    const path = join(dir, "malformed.jsonl");
    writeFileSync(path, lines.join("\n"));
    const from = halfway(path, readOptions(), 0)!;
    const got = await halves(path, from);
    expect(got.reading.threads).toBe(1);
    expect(got.input.malformed).toBe(1);
    same(got, await fitInputs([path], OPTIONS));
    const want = await fitInputs([path], { ...OPTIONS, strict: true }).catch((e: Error) => e.message);
    expect(want).toMatch(/malformed\.jsonl:\d+: /);
    await expect(halves(path, from, true)).rejects.toThrow(want as string);
  });

  it("stops at a malformed line of the first half when strict, its worker ended", async () => {
    const lines = corpus().split("\n");
    lines.splice(10, 0, "not json");
    const path = join(dir, "malformed-first.jsonl");
    writeFileSync(path, lines.join("\n"));
    await expect(halves(path, halfway(path, readOptions(), 0)!, true)).rejects.toThrow(
      /malformed-first\.jsonl:11: /,
    );
  });

  it("reads one thread's way what it cannot cut: small, several inputs, other formats, --threads 1", async () => {
    const path = join(dir, "small.jsonl");
    writeFileSync(path, corpus());
    const log = join(dir, "access.log");
    writeFileSync(
      log,
      '127.0.0.1 - - [01/Jan/2026:00:00:01 +0000] "GET /a HTTP/1.1" 200 5 "-" "ua"\n'.repeat(20),
    );
    expect(halfway(path, readOptions(), HALVES_FROM)).toBeNull();
    expect(halfway(log, readOptions(), 0)).toBeNull();
    expect(halfway(path, { ...readOptions(), format: "combined" }, 0)).toBeNull();
    expect(halfway(`${path}.gz`, readOptions(), 0)).toBeNull();
    const from = halfway(path, readOptions(), 0)!;
    expect(
      readFileSync(path)
        .subarray(from - 1, from)
        .toString(),
    ).toBe("\n");
    expect((await fitInputs([path], { ...OPTIONS, threads: 2, halvesFrom: 0 })).reading).toEqual({
      threads: 2,
    });
    expect((await fitInputs([path, path], { ...OPTIONS, threads: 2, halvesFrom: 0 })).reading).toEqual({
      threads: 1,
    });
    expect((await fitInputs([path], { ...OPTIONS, threads: 1, halvesFrom: 0 })).reading).toEqual({
      threads: 1,
    });
  });
});

function readOptions(): ReadOptions {
  return { format: undefined, strict: false, templater: new Templater([]), keys: new SessionKeys() };
}

describe("a parameter's values joined", () => {
  it("are what adding them one by one gives, cap and integer range included", () => {
    const value = fc.oneof(
      fc.integer({ min: -5, max: 40 }),
      fc.constantFrom("a", "b", "7", "-3", "x1"),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 80 }), fc.nat(), (values, k) => {
        const cut = values.length === 0 ? 0 : k % (values.length + 1);
        const whole = new ParamStats();
        for (const v of values) whole.add(v);
        const [first, second] = [new ParamStats(), new ParamStats()];
        for (const v of values.slice(0, cut)) first.add(v);
        for (const v of values.slice(cut)) second.add(v);
        first.merge(second.state());
        expect(first.spec()).toEqual(whole.spec());
        expect(first.state()).toEqual(whole.state());
      }),
      { numRuns: RUNS * 5 },
    );
  });
});
