import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { type Received, startTarget, type Target } from "../helpers/http-target.js";

const tmp = tempDir("tw-replay-");
const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});
afterAll(() => tmp.remove());

const at = (name: string) => join(tmp.dir, name);
const events = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent);
const QUIET = ["--metrics-addr", "127.0.0.1:0", "--log-level", "warn"];

/** A small recording: `generate` output cut to the sessions that start in its first `ms`. */
async function recording(name: string, users: number, firstMs: number): Promise<string> {
  const full = at(`${name}.full.jsonl`);
  const r = await runCli(["generate", "--users", String(users), "--days", "1", "--seed", "5", "--out", full]);
  expect(r.code, r.stderr).toBe(0);
  const all = events(full);
  const t0 = Date.parse(all[0]!.timestamp);
  const keep = new Set(
    all.filter((e) => e.call_index === 0 && Date.parse(e.timestamp) - t0 < firstMs).map((e) => e.session_id),
  );
  const path = at(`${name}.jsonl`);
  writeFileSync(
    path,
    `${all
      .filter((e) => keep.has(e.session_id))
      .map((e) => JSON.stringify(e))
      .join("\n")}\n`,
  );
  return path;
}

describe("tracewalk replay", () => {
  it("into the sinks: the recorded calls and outcomes, shifted to now with their spacing kept", async () => {
    const input = await recording("sinks", 400, 30 * 60_000);
    const out = at("sinks.out.jsonl");
    const before = Date.now();
    const r = await runCli(["replay", "--input", input, "--speed", "max", "--out", out, ...QUIET]);
    expect(r.code, r.stderr).toBe(0);
    const rec = events(input);
    const got = events(out);
    const key = (e: TraceEvent) =>
      `${e.event_id} ${e.method} ${e.path} ${JSON.stringify(e.params)} ${e.status_code} ${e.response_time_ms} ${e.is_retry}`;
    expect(got.map(key).sort()).toEqual(rec.map(key).sort());
    const t0 = Math.min(...rec.map((e) => Date.parse(e.timestamp)));
    const s0 = Math.min(...got.map((e) => Date.parse(e.timestamp)));
    expect(s0).toBeGreaterThanOrEqual(before);
    const offsets = new Map(rec.map((e) => [e.event_id, Date.parse(e.timestamp) - t0]));
    for (const e of got) expect(Date.parse(e.timestamp) - s0, e.event_id).toBe(offsets.get(e.event_id));
  });

  it("to a target at speed 10: the same requests, in order, with the spacing divided by 10", async () => {
    const input = await recording("target", 2000, 40_000);
    const rec = events(input);
    expect(rec.length).toBeGreaterThan(5);
    const t = await startTarget();
    targets.push(t);
    const out = at("target.out.jsonl");
    const r = await runCli([
      "replay",
      "--input",
      input,
      "--speed",
      "10",
      "--target",
      t.url,
      "--allow-host",
      "127.0.0.1",
      "--out",
      out,
      ...QUIET,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const got = events(out);
    expect(got.length).toBe(rec.length);
    expect(t.received.length).toBe(rec.length);
    // Order: requests arrived in the recording's order of send times.
    const sorted = [...rec].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    const recT0 = Date.parse(sorted[0]!.timestamp);
    const byEvent = new Map(got.map((e) => [e.event_id, e]));
    const rT0 = Math.min(...t.received.map((x) => x.at));
    const arrivals = [...t.received].sort((a, b) => a.at - b.at);
    expect(arrivals.map((x) => x.path)).toEqual(sorted.map((e) => e.path));
    // Spacing: each request went out at its recorded offset / 10 after the first (offsets span up to 40 s:
    // a wrong divisor is off by seconds). Typically within ~15 ms, the first request's own delay; a stall
    // of the machine (other test files run beside this one) may hold one send back, hence 300 ms for any
    // one send. A first request held back by an import after the clock started put all the others
    // ~65-80 ms off (the median catches that).
    const errors: number[] = [];
    for (const e of sorted) {
      const sent = Date.parse(byEvent.get(e.event_id)!.timestamp);
      const want = (Date.parse(e.timestamp) - recT0) / 10;
      const error = Math.abs(sent - rT0 - want);
      expect(error, e.event_id).toBeLessThan(300);
      errors.push(error);
      expect(byEvent.get(e.event_id)!.status_code).toBe(200);
    }
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(60);
  });

  it("reads an access log: one session per client, query params, filters and copies", async () => {
    const log = at("access.log");
    writeFileSync(
      log,
      [
        '10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET /api/products?page=2&q=tea HTTP/1.1" 200 12 "-" "curl"',
        '10.0.0.2 - - [01/Dec/2026:10:00:00 +0000] "GET /health HTTP/1.1" 200 2 "-" "probe"',
        '10.0.0.1 - - [01/Dec/2026:10:00:01 +0000] "POST /api/cart HTTP/1.1" 201 0 "-" "curl"',
        '10.0.0.2 - - [01/Dec/2026:11:00:00 +0100] "HEAD /api/products HTTP/1.1" 200 0 "-" "probe"',
        '10.0.0.2 - - [01/Dec/2026:10:00:02 +0000] "GET /api/products/7 HTTP/1.1" 200 9 "-" "probe"',
        "",
      ].join("\n"),
    );
    const t = await startTarget();
    targets.push(t);
    const r = await runCli([
      "replay",
      "--input",
      log,
      "--speed",
      "max",
      "--target",
      t.url,
      "--allow-host",
      "127.0.0.1",
      "--endpoints",
      "/api/*",
      "--multiply",
      "2",
      "--out",
      at("log.out.jsonl"),
      ...QUIET,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const key = (x: Received) => `${x.method} ${x.path} ${JSON.stringify(x.query)}`;
    expect(t.received.map(key).sort()).toEqual(
      ['GET /api/products {"page":"2","q":"tea"}', "POST /api/cart {}", "GET /api/products/7 {}"]
        .flatMap((k) => [k, k])
        .sort(),
    );
    const got = events(at("log.out.jsonl"));
    expect(new Set(got.map((e) => e.session_id))).toEqual(
      new Set(["10.0.0.1-1", "10.0.0.1-1~1", "10.0.0.2-1", "10.0.0.2-1~1"]),
    );
  });

  it("loops until its duration, each pass with fresh session ids; bad input exits 2 naming the line", async () => {
    const log = at("loop.log");
    writeFileSync(log, '10.0.0.9 - - [01/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "x"\n');
    const out = at("loop.out.jsonl");
    const r = await runCli([
      "replay",
      "--input",
      log,
      "--loop",
      "--speed",
      "1",
      "--duration",
      "2500ms",
      "--out",
      out,
      ...QUIET,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ids = events(out).map((e) => e.session_id);
    expect(ids.slice(0, 3)).toEqual(["10.0.0.9-1", "10.0.0.9-1@1", "10.0.0.9-1@2"]);

    writeFileSync(log, "this is not a log line\n");
    const bad = await runCli(["replay", "--input", log, "--out", out, ...QUIET]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${log}:1`);
    // Said once: the error's problem restated its message, and both were printed.
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(bad.stderr).not.toMatch(STACK_LINE);
  });
});
