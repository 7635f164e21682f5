import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.js";
import type { TraceEvent } from "../../src/event/index.js";
import { readRecording } from "../../src/replay/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { expectTwError } from "./errors.js";

// Real recordings: the built CLI's `generate` output (`npm run build` first), with cascade retries.
const tmp = tempDir("tw-replay-events-");
const jsonl = join(tmp.dir, "rec.jsonl");
const parquet = join(tmp.dir, "rec.parquet");
let events: TraceEvent[] = [];

beforeAll(async () => {
  const args = ["generate", "--users", "120", "--seed", "5", "--days", "1", "--cascade-rate", "0.4"];
  for (const out of [jsonl, parquet]) {
    const r = await runCli([...args, "--no-progress", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
  }
  events = readFileSync(jsonl, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as TraceEvent);
});
afterAll(() => tmp.remove());

const ms = (e: TraceEvent) => Date.parse(e.timestamp);

/** The recording an independent reading of the events gives: grouped, ordered, rebased. */
function expected(list: TraceEvent[]) {
  const t0 = Math.min(...list.map(ms));
  const bySession = new Map<string, TraceEvent[]>();
  for (const e of list) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
  const sessions = [...bySession.values()].map((es) => {
    es.sort((a, b) => ms(a) - ms(b) || a.call_index - b.call_index);
    return {
      sessionId: es[0]!.session_id,
      userId: es[0]!.user_id,
      userType: es[0]!.user_type,
      workflow: es[0]!.workflow,
      calls: es.map((e) => ({
        at: ms(e) - t0,
        method: e.method,
        path: e.path,
        endpoint: e.endpoint,
        params: e.params,
        status: e.status_code,
        latencyMs: e.response_time_ms,
        isRetry: e.is_retry,
        cascadeId: e.cascade_id,
      })),
    };
  });
  sessions.sort((a, b) => a.calls[0]!.at - b.calls[0]!.at || (a.sessionId < b.sessionId ? -1 : 1));
  return { sessions, startMs: t0, endMs: Math.max(...list.map(ms)), calls: list.length };
}

function write(name: string, lines: string[]): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("readRecording: Event v1", () => {
  it("groups generate's JSONL by session, ordered, rebased on the first call", async () => {
    const r = await readRecording(jsonl);
    expect(events.some((e) => e.is_retry)).toBe(true);
    expect(r).toEqual({ ...expected(events), skipped: 0, filtered: 0 });
  });

  it("reads the Parquet file of the same run into the same recording", async () => {
    expect(await readRecording(parquet)).toEqual(await readRecording(jsonl));
  });

  it("orders calls by (timestamp, call_index) whatever the line order", async () => {
    // A fixed shuffle, and two calls of one session at the same instant written in reverse.
    const shuffled = events.map((e, i) => ({ e, k: (i * 7919) % events.length }));
    shuffled.sort((a, b) => a.k - b.k);
    const twin = { ...events[0]!, event_id: "twin", call_index: 0, path: "/twin-first" };
    const first = { ...events[0]!, call_index: 1 };
    const lines = [first, ...shuffled.map((x) => x.e).filter((e) => e !== events[0]), twin];
    const r = await readRecording(
      write(
        "shuffled.jsonl",
        lines.map((e) => JSON.stringify(e)),
      ),
    );
    const s = r.sessions.find((x) => x.sessionId === events[0]!.session_id)!;
    expect(s.calls[0]!.path).toBe("/twin-first");
    expect(s.calls[1]!.path).toBe(events[0]!.path);
    const withoutTwin = { ...r, calls: r.calls - 1 };
    withoutTwin.sessions = r.sessions.map((x) =>
      x === s ? { ...x, calls: x.calls.filter((c) => c.path !== "/twin-first") } : x,
    );
    expect(withoutTwin).toEqual({ ...expected(events), skipped: 0, filtered: 0 });
  });

  it("keeps the calls in [from, to) and rebases on the first one kept", async () => {
    const times = events.map(ms).sort((a, b) => a - b);
    const from = times[Math.floor(times.length / 3)]!;
    const to = times[Math.floor((2 * times.length) / 3)]!;
    const inside = events.filter((e) => ms(e) >= from && ms(e) < to);
    const r = await readRecording(jsonl, { from, to });
    expect(r.startMs).toBe(from);
    expect(r).toEqual({ ...expected(inside), skipped: 0, filtered: events.length - inside.length });
  });

  it("keeps the calls whose endpoint template matches a glob, dropping sessions left empty", async () => {
    const re = /^\/api\/(cart|checkout).*$/;
    const kept = events.filter((e) => re.test(e.endpoint));
    expect(kept.length).toBeGreaterThan(0);
    const r = await readRecording(parquet, { endpoints: ["/api/cart*", "/api/checkout*"] });
    expect(r).toEqual({ ...expected(kept), skipped: 0, filtered: events.length - kept.length });
    expect(r.sessions.length).toBeLessThan(new Set(events.map((e) => e.session_id)).size);
  });

  it("multiply: N copies with fresh ids, users and starts spread over a second", async () => {
    const one = await readRecording(jsonl);
    const r = await readRecording(jsonl, { multiply: 3 });
    expect(r.calls).toBe(3 * one.calls);
    expect(r.sessions).toHaveLength(3 * one.sessions.length);
    expect(r.startMs).toBe(one.startMs);
    expect(r.endMs).toBe(one.endMs + 666);
    const byId = new Map(r.sessions.map((s) => [s.sessionId, s]));
    expect(byId.size).toBe(r.sessions.length);
    for (const s of one.sessions) {
      expect(byId.get(s.sessionId)).toEqual(s);
      for (const [k, shift] of [
        [1, 333],
        [2, 666],
      ] as const) {
        const copy = byId.get(`${s.sessionId}~${k}`)!;
        expect(copy.userId).toBe(`${s.userId}~${k}`);
        expect(copy.calls).toEqual(s.calls.map((c) => ({ ...c, at: c.at + shift })));
      }
    }
    const starts = r.sessions.map((s) => s.calls[0]!.at);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it("reads JSONL from a file named .log when the format says so", async () => {
    const path = write("events.log", readFileSync(jsonl, "utf8").trim().split("\n"));
    await expectTwError(readRecording(path), ErrorCode.INPUT_INVALID, /events\.log:1: expected the combined/);
    expect((await readRecording(path, { format: "jsonl" })).calls).toBe(events.length);
  });
});

describe("readRecording: bad Event v1 input", () => {
  const line = (patch: Record<string, unknown>) => JSON.stringify({ ...events[0], ...patch });
  let n = 0;

  it.each([
    ["malformed JSON", () => ["{not json"], /bad-\d+\.jsonl:3: malformed JSON/],
    ["a missing timestamp", () => [line({ timestamp: undefined })], /:3: field "timestamp" is missing/],
    [
      "a bad timestamp",
      () => [line({ timestamp: "yesterday" })],
      /:3: field "timestamp" must be an RFC 3339 time/,
    ],
    [
      "a HEAD method",
      () => [line({ method: "HEAD" })],
      /:3: field "method" must be GET, POST, PUT, DELETE, PATCH/,
    ],
    ["params not an object", () => [line({ params: [1] })], /:3: field "params" must be an object/],
    [
      "a nested param",
      () => [line({ params: { a: { b: 1 } } })],
      /:3: params\.a must be a string or a number/,
    ],
    [
      "a negative latency",
      () => [line({ response_time_ms: -1 })],
      /:3: field "response_time_ms" must be a number >= 0/,
    ],
    ["a missing session", () => [line({ session_id: undefined })], /:3: field "session_id" is missing/],
  ])("%s is an error naming file:line, exit 2", async (_what, bad, message) => {
    const path = write(`bad-${++n}.jsonl`, [line({}), "", ...bad()]);
    const err = await expectTwError(readRecording(path), ErrorCode.INPUT_INVALID, message);
    expect(err.exitCode).toBe(2);
  });

  it("a missing file and a file that is no Parquet are errors naming the file", async () => {
    const missing = join(tmp.dir, "nope.jsonl");
    await expectTwError(
      readRecording(missing),
      ErrorCode.INPUT_INVALID,
      /nope\.jsonl: cannot read input: no such file/,
    );
    const fake = write("fake.parquet", [line({})]);
    await expectTwError(readRecording(fake), ErrorCode.INPUT_INVALID, /fake\.parquet: not a Parquet file/);
  });

  it("a window that leaves no call is an error; a bad option is an argument error", async () => {
    const far = Date.parse("2030-01-01T00:00:00Z");
    await expectTwError(
      readRecording(jsonl, { from: far }),
      ErrorCode.INPUT_INVALID,
      /rec\.jsonl: no calls to replay after --from\/--to\/--endpoints \(jsonl\)/,
    );
    const err = await expectTwError(
      readRecording(jsonl, { multiply: 0 }),
      ErrorCode.ARGS_INVALID,
      /multiply/,
    );
    expect(err.exitCode).toBe(2);
    await expectTwError(
      readRecording(jsonl, { from: far, to: far }),
      ErrorCode.ARGS_INVALID,
      /window is empty/,
    );
  });
});
