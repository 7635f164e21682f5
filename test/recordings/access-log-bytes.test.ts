// The byte reader of access-log lines against parseLogLine: wherever it reads a line, it reads what
// parseLogLine reads; every other line it leaves to parseLogLine.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorkflow, FitLearner, fitInputs } from "../../src/analysis/fit/index.js";
import { thinkTime } from "../../src/analysis/fit/run.js";
import {
  Interner,
  isBlank,
  LogLineScanner,
  parseLogLine,
  sessionKey,
  Templater,
} from "../../src/recordings/index.js";
import { RUNS } from "../property/clear.js";

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
/** Mostly one of `good`, now and then one of `odd`: most lines are read, the rest still come up. */
const mostly = <T>(good: T[], odd: T[]) =>
  fc.oneof({ arbitrary: pick(...good), weight: 6 }, { arbitrary: pick(...odd), weight: 1 });
const two = (n: number) => String(n).padStart(2, "0");
// Times around every edge: days past the month's end, hour 24, minute 60, offsets with minute 60.
const clock = fc
  .record({
    d: fc.integer({ min: 0, max: 32 }),
    mon: pick("Jan", "Feb", "Apr", "Dec", "Foo"),
    y: fc.integer({ min: 2023, max: 2025 }),
    h: fc.integer({ min: 0, max: 24 }),
    m: fc.integer({ min: 0, max: 60 }),
    s: fc.integer({ min: 0, max: 60 }),
    sign: pick("+", "-"),
    oh: fc.integer({ min: 0, max: 14 }),
    om: pick(0, 30, 45, 60),
  })
  .map(
    (t) =>
      `${two(t.d)}/${t.mon}/${t.y}:${two(t.h)}:${two(t.m)}:${two(t.s)} ${t.sign}${two(t.oh)}${two(t.om)}`,
  );
const request = fc
  .tuple(
    mostly(["GET", "POST", "PUT", "DELETE", "PATCH"], ["HEAD", "get"]),
    mostly(
      ["/", "/a", "/api/users/42", "/a?x=1&y=b+c&x=%41", "/s?q=", "/api/orders/9f86d081884c7d65/items/7"],
      ["http://h.example/x?y=1", "*", "/a b"],
    ),
    mostly([" HTTP/1.1", ""], [" FOO", " HTTP/2.0 extra"]),
  )
  .map(([m, t, p]) => `${m} ${t}${p}`);
const line = fc
  .tuple(
    mostly(["10.0.0.1", "::1", "2001:db8::7"], ["a[b", 'h"x']),
    mostly(["-"], ["id"]),
    mostly(["-", "alice"], ["bob:x"]),
    fc.oneof(
      { arbitrary: clock, weight: 3 },
      mostly(
        ["10/Oct/2000:13:55:36 -0700", "01/Jan/2026:00:00:00 +0000", "29/Feb/2024:23:59:59 +0130"],
        ["31/Feb/2026:00:00:00 +0000", "10/oct/2000:13:55:36 -0700", "", "10/Oct/2000:13:55:36"],
      ),
    ),
    request,
    mostly(["200", "404", "503"], ["2000", "20"]),
    mostly(["123", "-", "0"], ["x", ""]),
    mostly(
      [
        "",
        ' "-" "Mozilla/5.0 (X11; Linux x86_64)"',
        ' "https://ref.example/" "curl/8.0" "10.0.0.9"',
        ' "r" "a" 0.123',
      ],
      [' "r" "a" -', ' "r" "a"x', ' "r" "a" "b" 1.5', " 0.5", " -", " 0.5 0.6", " x", ' "r"'],
    ),
    mostly([""], [" ", "\t", "  "]),
  )
  .map(([a, i, u, t, r, s, n, rest, end]) => `${a} ${i} ${u} [${t}] "${r}" ${s} ${n}${rest}${end}`);

/** parseLogLine's result, or the message it throws. */
function parsed(text: string) {
  try {
    return parseLogLine(text, "w", new Interner());
  } catch (err) {
    return (err as Error).message;
  }
}

describe("LogLineScanner", () => {
  it("reads what parseLogLine reads, or leaves the line to it", () => {
    const scanner = new LogLineScanner();
    let read = 0;
    let skipped = 0;
    fc.assert(
      fc.property(fc.oneof(line, line, fc.string()), (text) => {
        const b = Buffer.from(`junk\n${text}\n`);
        const got = scanner.scan(b, 5, b.length - 1);
        if (got === undefined) return;
        if (got === null) skipped++;
        else read++;
        expect(got).toEqual(parsed(text));
      }),
      { numRuns: RUNS * 20 },
    );
    // The generator reaches both outcomes, so the comparison above compares something.
    expect(read).toBeGreaterThan(RUNS);
    expect(skipped).toBeGreaterThan(RUNS / 10);
  });

  it("reads a stock nginx combined line with $request_time", () => {
    const text =
      '203.0.113.9 - - [04/Dec/2026:21:00:01 +0000] "GET /api/products/42?page=2 HTTP/1.1" 200 512 "-" "k6/0.50" 0.042';
    const b = Buffer.from(text);
    const got = new LogLineScanner().scan(b, 0, b.length);
    expect(got).toEqual(parsed(text));
    expect(got?.call).toMatchObject({ path: "/api/products/42", params: { page: "2" }, latencyMs: 42 });
  });
});

const dir = mkdtempSync(join(tmpdir(), "tw-log-bytes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** fit of a log as it was before the byte reader: parseLogLine of each line's text. */
function referenceLogFit(text: string, o: Parameters<typeof fitInputs>[1]) {
  const learner = new FitLearner(o.gapMs);
  const templater = new Templater(o.templates);
  const input = { lines: 0, malformed: 0, skipped: 0 };
  for (const part of text.split("\n")) {
    const l = part.endsWith("\r") ? part.slice(0, -1) : part;
    if (isBlank(l)) continue;
    input.lines++;
    try {
      const got = parseLogLine(l, "w", new Interner());
      if (got === null) {
        input.skipped++;
        continue;
      }
      const { call } = got;
      const t = templater.template(call.path);
      const params = { ...call.params, ...t.params };
      const { method, status, latencyMs, at } = call;
      const c = { key: sessionKey(got), endpoint: t.endpoint, method, status, latencyMs, at, params };
      learner.add({ ...c, callIndex: -1, isRetry: false, userType: undefined });
    } catch {
      input.malformed++;
    }
  }
  learner.finish();
  const { workflow, rows, rare } = buildWorkflow(learner, o);
  const think_time = thinkTime(learner.think);
  return {
    workflow,
    rows,
    rare,
    input,
    sessions: learner.tally,
    think_time,
    reading: { threads: 1 as const },
  };
}

describe("fit of an access log", () => {
  it("gives the report parseLogLine of every line gives", async () => {
    const text = fc.sample(line, { numRuns: 3000, seed: 21 }).join("\r\n");
    const path = join(dir, "access.log");
    writeFileSync(path, text);
    const o = {
      name: "log",
      minCount: 0,
      smooth: 0,
      format: undefined,
      strict: false,
      gapMs: 60_000,
      templates: [],
    };
    const got = await fitInputs([path], o);
    const { examples, ...input } = got.input;
    const want = referenceLogFit(text, o);
    expect(want.sessions.calls).toBeGreaterThan(500);
    expect(want.input.malformed).toBeGreaterThan(100);
    expect({ ...got, input }).toEqual(want);
  });
});
