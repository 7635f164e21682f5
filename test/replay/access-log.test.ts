import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.js";
import { parseLogLine, parseLogTime } from "../../src/recordings/index.js";
import { readRecording } from "../../src/replay/index.js";
import { tempDir } from "../helpers/cli.js";
import { expectTwError } from "./errors.js";

const tmp = tempDir("tw-replay-log-");
afterAll(() => tmp.remove());

let n = 0;
/** Writes `lines` to a fresh file in the temp dir (named `name`, default `*.log`) and returns its path. */
function logFile(lines: string[], name = `access-${++n}.log`): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const UA = '"-" "Mozilla/5.0 (X11; Linux x86_64)"';
/** A combined log line at `time` (local, with its offset). */
function line(addr: string, time: string, request: string, status = 200, tail = UA): string {
  return `${addr} - - [${time}] "${request}" ${status} 512 ${tail}`;
}

const T0 = Date.parse("2026-03-01T10:00:00Z");

describe("parseLogTime", () => {
  it("applies the offset exactly: +0200 is two hours ahead of UTC, -0500 five behind, +0530 too", () => {
    expect(parseLogTime("01/Mar/2026:12:00:00 +0200")).toBe(T0);
    expect(parseLogTime("01/Mar/2026:05:00:00 -0500")).toBe(T0);
    expect(parseLogTime("01/Mar/2026:15:30:00 +0530")).toBe(T0);
    expect(parseLogTime("01/Mar/2026:10:00:00 +0000")).toBe(T0);
    // Crossing midnight and the year backwards.
    expect(parseLogTime("31/Dec/2025:23:30:00 -1100")).toBe(Date.parse("2026-01-01T10:30:00Z"));
  });

  it.each([
    "31/Feb/2026:10:00:00 +0000",
    "01/Foo/2026:10:00:00 +0000",
    "01/Mar/2026:24:00:00 +0000",
    "01/Mar/2026:10:00:00 +0060",
    "01/Mar/2026:10:00:00",
    "2026-03-01T10:00:00Z",
  ])("is NaN for %s", (text) => {
    expect(parseLogTime(text)).toBeNaN();
  });
});

describe("parseLogLine", () => {
  it("takes method, path, decoded query params as strings, status, and $request_time as latency", () => {
    const text = line(
      "10.0.0.1",
      "01/Mar/2026:10:00:00 +0000",
      "GET /api/search?q=red+shoes&page=007&tag=a%2Fb&tag=c&empty= HTTP/1.1",
      404,
      `${UA} 0.123`,
    );
    const got = parseLogLine(text, "x.log:1");
    expect(got).toEqual({
      addr: "10.0.0.1",
      agent: '"Mozilla/5.0 (X11; Linux x86_64)"',
      user: "-",
      call: {
        at: T0,
        method: "GET",
        path: "/api/search",
        endpoint: "/api/search",
        params: { q: "red shoes", page: "007", tag: "c", empty: "" },
        status: 404,
        latencyMs: 123,
        isRetry: false,
        cascadeId: null,
      },
    });
  });

  it("reads the common format (no referer, user agent) and an absolute-form target", () => {
    const got = parseLogLine(
      '::1 - frank [01/Mar/2026:10:00:00 +0000] "POST http://shop.test/api/cart?id=5 HTTP/1.0" 201 -',
      "x.log:1",
    );
    expect(got?.addr).toBe("::1");
    expect(got?.user).toBe("frank");
    expect(got?.agent).toBe("");
    expect(got?.call).toMatchObject({ method: "POST", path: "/api/cart", params: { id: "5" }, latencyMs: 0 });
  });

  it("ignores fields after the user agent (nginx's stock main format), but for a last $request_time", () => {
    const main = `${line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "GET /a HTTP/1.1")} "203.0.113.7, 10.0.0.2"`;
    expect(parseLogLine(main, "x.log:1")?.call.latencyMs).toBe(0);
    expect(parseLogLine(`${main} 1.5`, "x.log:1")?.call.latencyMs).toBe(1500);
    expect(parseLogLine(`${main} -`, "x.log:1")?.call.latencyMs).toBe(0);
  });

  it.each([
    ["a quoted field", ' "extra"'],
    ["two numbers", " 0.5 0.7"],
    ["a word", " fast"],
  ])("without a user agent, refuses %s after the bytes", (_what, tail) => {
    const common = '10.0.0.1 - - [01/Mar/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 5';
    expect(parseLogLine(`${common} 0.25`, "x.log:1")?.call.latencyMs).toBe(250);
    expect(() => parseLogLine(`${common}${tail}`, "x.log:7")).toThrow(/^x\.log:7: expected the combined/);
  });

  it('accepts escaped quotes inside the user agent (Apache writes \\")', () => {
    const got = parseLogLine(
      line(
        "10.0.0.1",
        "01/Mar/2026:10:00:00 +0000",
        "DELETE /api/x HTTP/2.0",
        204,
        '"-" "a \\"quoted\\" agent"',
      ),
      "x.log:1",
    );
    expect(got?.call.method).toBe("DELETE");
  });

  it.each([
    ["HEAD", "HEAD /api/x HTTP/1.1"],
    ["OPTIONS", "OPTIONS * HTTP/1.1"],
    ["an empty request", "-"],
    ["junk", "\\x16\\x03\\x01\\x00"],
    ["a proxy CONNECT", "CONNECT example.test:443 HTTP/1.1"],
    ["a relative target", "GET api/x HTTP/1.1"],
  ])("is null (skipped) for %s", (_what, request) => {
    expect(parseLogLine(line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", request, 400), "x.log:1")).toBeNull();
  });
});

describe("readRecording: combined logs", () => {
  it("makes one session per client address, in time order, with the log's session fields", async () => {
    const file = logFile([
      line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "GET /api/a HTTP/1.1"),
      line("10.0.0.2", "01/Mar/2026:10:00:01 +0000", "POST /api/login HTTP/1.1", 302),
      line("10.0.0.1", "01/Mar/2026:10:00:05 +0000", "GET /api/b HTTP/1.1"),
      // nginx logs a request when it ends: a line can be earlier than the one before it.
      line("10.0.0.2", "01/Mar/2026:10:00:00 +0000", "GET /api/home HTTP/1.1"),
    ]);
    const r = await readRecording(file, {});
    expect(r.startMs).toBe(T0);
    expect(r.endMs).toBe(T0 + 5000);
    expect(r.calls).toBe(4);
    expect(r.skipped).toBe(0);
    expect(r.sessions.map((s) => [s.sessionId, s.userId, s.userType, s.workflow])).toEqual([
      ["10.0.0.1-1", "10.0.0.1", "replayed", "replay"],
      ["10.0.0.2-1", "10.0.0.2", "replayed", "replay"],
    ]);
    expect(r.sessions[0]!.calls.map((c) => [c.at, c.path])).toEqual([
      [0, "/api/a"],
      [5000, "/api/b"],
    ]);
    expect(r.sessions[1]!.calls.map((c) => [c.at, c.method, c.path, c.status])).toEqual([
      [0, "GET", "/api/home", 200],
      [1000, "POST", "/api/login", 302],
    ]);
  });

  it("splits a client's calls at 30 minutes of silence (exactly 30 splits, 29:59 does not)", async () => {
    const file = logFile([
      line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "GET /a HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:10:29:59 +0000", "GET /b HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:10:59:59 +0000", "GET /c HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:11:10:00 +0000", "GET /d HTTP/1.1"),
    ]);
    const r = await readRecording(file, {});
    expect(r.sessions.map((s) => [s.sessionId, s.calls.map((c) => c.path)])).toEqual([
      ["10.0.0.1-1", ["/a", "/b"]],
      ["10.0.0.1-2", ["/c", "/d"]],
    ]);
    expect(r.sessions[1]!.calls[0]!.at).toBe(59 * 60_000 + 59_000);
    const short = await readRecording(file, { gapMs: 10 * 60_000 });
    expect(short.sessions.map((s) => s.calls.length)).toEqual([1, 1, 1, 1]);
    expect(short.sessions.map((s) => s.sessionId)).toEqual([
      "10.0.0.1-1",
      "10.0.0.1-2",
      "10.0.0.1-3",
      "10.0.0.1-4",
    ]);
  });

  it("orders calls from servers in different time zones by their real instant", async () => {
    const file = logFile([
      line("10.0.0.1", "01/Mar/2026:05:00:30 -0500", "GET /later HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:12:00:00 +0200", "GET /first HTTP/1.1"),
    ]);
    const r = await readRecording(file, {});
    expect(r.startMs).toBe(T0);
    expect(r.sessions[0]!.calls.map((c) => [c.at, c.path])).toEqual([
      [0, "/first"],
      [30_000, "/later"],
    ]);
  });

  it("skips and counts what is no API call (HEAD, OPTIONS, an empty request)", async () => {
    const file = logFile([
      line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "HEAD /health HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:10:00:01 +0000", "GET /api/a HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:10:00:02 +0000", "OPTIONS /api/a HTTP/1.1"),
      line("10.0.0.9", "01/Mar/2026:10:00:03 +0000", "-", 400),
    ]);
    const r = await readRecording(file, {});
    expect(r.skipped).toBe(3);
    expect(r.calls).toBe(1);
    expect(r.startMs).toBe(T0 + 1000);
    expect(r.sessions.map((s) => s.sessionId)).toEqual(["10.0.0.1-1"]);
  });

  it("filters by window and path glob after the sessions are split, so ids do not depend on the filter", async () => {
    const file = logFile([
      line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "GET /api/products/1 HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:10:10:00 +0000", "GET /api/cart HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:10:20:00 +0000", "GET /api/products/2 HTTP/1.1"),
      line("10.0.0.1", "01/Mar/2026:11:00:00 +0000", "GET /api/products/3 HTTP/1.1"),
    ]);
    const r = await readRecording(file, {
      from: T0 + 5 * 60_000,
      to: T0 + 60 * 60_000,
      endpoints: ["/api/products/*"],
    });
    expect(r.startMs).toBe(T0 + 20 * 60_000);
    expect(r.filtered).toBe(3);
    expect(r.sessions.map((s) => [s.sessionId, s.calls.map((c) => [c.at, c.path])])).toEqual([
      ["10.0.0.1-1", [[0, "/api/products/2"]]],
    ]);
    // 40 minutes of silence before 11:00: the second session, whatever the window leaves.
    const late = await readRecording(file, { from: T0 + 30 * 60_000 });
    expect(late.sessions.map((s) => [s.sessionId, s.calls.map((c) => [c.at, c.path])])).toEqual([
      ["10.0.0.1-2", [[0, "/api/products/3"]]],
    ]);
  });

  it("sniffs a log without the .log extension by its first character", async () => {
    const file = logFile(
      [line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "GET /api/a HTTP/1.1")],
      "access.txt.1",
    );
    const r = await readRecording(file, {});
    expect(r.sessions[0]!.sessionId).toBe("10.0.0.1-1");
  });

  it("a line not in the format is an error naming file:line, exit 2", async () => {
    const file = logFile([
      line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "GET /api/a HTTP/1.1"),
      '10.0.0.1 - - 01/Mar/2026:10:00:00 +0000 "GET /api/a HTTP/1.1" 200 512',
    ]);
    const err = await expectTwError(
      readRecording(file, {}),
      ErrorCode.INPUT_INVALID,
      /access-\d+\.log:2: expected the combined or common log format/,
    );
    expect(err.exitCode).toBe(2);
    expect(err.problems[0]!.path).toBe(`${file}:2`);
  });

  it("a bad time is an error naming file:line and the time", async () => {
    const file = logFile(["", line("10.0.0.1", "31/Feb/2026:10:00:00 +0000", "GET /api/a HTTP/1.1")]);
    const err = await expectTwError(
      readRecording(file, {}),
      ErrorCode.INPUT_INVALID,
      /:2: bad time \[31\/Feb\/2026:10:00:00 \+0000\]/,
    );
    expect(err.exitCode).toBe(2);
  });

  it("a log with nothing to replay is an error that says how many lines were skipped", async () => {
    const file = logFile([line("10.0.0.1", "01/Mar/2026:10:00:00 +0000", "HEAD /api/a HTTP/1.1")]);
    await expectTwError(
      readRecording(file, {}),
      ErrorCode.INPUT_INVALID,
      /no calls to replay \(combined, 1 line skipped\)/,
    );
  });
});

describe("readRecording: session order", () => {
  it("sorts sessions by first call, then by id (as strings), not by file order", async () => {
    const file = logFile([
      line("10.0.0.9", "01/Mar/2026:10:00:01 +0000", "GET /a HTTP/1.1"),
      line("10.0.0.10", "01/Mar/2026:10:00:01 +0000", "GET /b HTTP/1.1"),
      line("10.0.0.3", "01/Mar/2026:10:00:02 +0000", "GET /c HTTP/1.1"),
      line("10.0.0.3", "01/Mar/2026:10:00:00 +0000", "GET /d HTTP/1.1"),
    ]);
    const r = await readRecording(file, {});
    expect(r.sessions.map((s) => s.sessionId)).toEqual(["10.0.0.3-1", "10.0.0.10-1", "10.0.0.9-1"]);
  });
});
