import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadConfig, redactConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import type { TraceEvent } from "../../src/event/index.js";
import { runCli, STACK_LINE, startDaemon, tempDir } from "../helpers/cli.js";
import {
  type Behavior,
  freePort,
  type Received,
  startTarget,
  type Target,
  TIMER_SLACK_MS,
} from "../helpers/http-target.js";
import { sample, scrapeUntil } from "../helpers/metrics.js";

const tmp = tempDir("tw-http-");
const targets: Target[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => tmp.remove());

const TOKEN = "s3cret-staging-token-9f2c";

async function target(respond?: (r: Received) => Behavior): Promise<Target> {
  const t = await startTarget(respond);
  targets.push(t);
  return t;
}

let runs = 0;
/** Runs the daemon in process against `url` for `duration` of real time; returns its events, log and metrics. */
async function run(url: string, set: string[], duration = "2s", workflow = "ecommerce") {
  const out = join(tmp.dir, `run-${runs++}.jsonl`);
  // The target comes from a config file, as a user writes it: the token from the environment.
  const file = join(tmp.dir, `run-${runs}.yaml`);
  writeFileSync(
    file,
    `target: { url: "${url}", allow_hosts: [127.0.0.1], timeout: 400ms, headers: { authorization: "Bearer $\{STAGING_TOKEN}" } }\n`,
  );
  const config = await loadConfig({
    file,
    env: { STAGING_TOKEN: TOKEN },
    flags: {
      speed: "max",
      duration,
      workflow: [workflow],
      set: [
        "metrics.enabled=false",
        `sinks=[{type: file, path: ${out}}]`,
        "load={model: closed, users: 4, pause: 0s}",
        ...set,
      ],
    },
  });
  let logged = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  const daemon = await createDaemon(config, pino({ level: "info" }, sink));
  const summary = await daemon.run();
  const metrics = await daemon.registry.metrics();
  expect(await daemon.close()).toEqual({ file: 0 });
  const events = readFileSync(out, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent);
  return { events, summary, metrics, logged, text: readFileSync(out, "utf8"), config };
}

/** The request a call makes, as the server sees it: method, path, query or body. */
function requestKey(e: { method: string; path: string; params: Record<string, string | number> }): string {
  const params = Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, String(v)]));
  const withBody = e.method === "POST" || e.method === "PUT" || e.method === "PATCH";
  return `${e.method} ${e.path} ${withBody ? "-" : JSON.stringify(params)} ${withBody ? JSON.stringify(params) : "-"}`;
}

function receivedKey(r: Received): string {
  const withBody = r.method === "POST" || r.method === "PUT" || r.method === "PATCH";
  const body = withBody
    ? JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(r.body)).map(([k, v]) => [k, String(v)])))
    : "-";
  return `${r.method} ${r.path} ${withBody ? "-" : JSON.stringify(r.query)} ${body}`;
}

describe("HTTP mode against a real server on loopback", () => {
  it("sends every call as a request and records the server's status and latency", async () => {
    const t = await target((r) =>
      r.path === "/api/search" ? { status: 404 } : r.path === "/api/products" ? { delayMs: 40 } : {},
    );
    const { events, summary, logged, text, config } = await run(t.url, []);
    expect(events.length).toBeGreaterThan(20);
    expect(summary.requests).toBe(events.length);
    // Requests received equal events recorded: method, path, query (GET) or JSON body (writes).
    expect(t.received.map(receivedKey).sort()).toEqual(events.map(requestKey).sort());
    for (const r of t.received) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      if (r.method === "POST") expect(r.headers["content-type"]).toBe("application/json");
    }
    for (const e of events) {
      expect(e.error).toBeNull();
      expect(e.status_code).toBe(e.endpoint === "/api/search" ? 404 : 200);
      // The server's 40 ms timer may fire up to TIMER_SLACK_MS early (libuv's millisecond clock).
      if (e.endpoint === "/api/products")
        expect(e.response_time_ms).toBeGreaterThanOrEqual(40 - TIMER_SLACK_MS);
    }
    // The timestamp is the real send time: each request arrived after it was sent, and soon after.
    const sent = events.map((e) => Date.parse(e.timestamp)).sort((a, b) => a - b);
    const arrived = t.received.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 0; i < sent.length; i++) expect(Math.abs(arrived[i]! - sent[i]!)).toBeLessThan(1000);
    // The token never reaches the log, the config as logged, or the events.
    expect(logged).not.toContain(TOKEN);
    expect(JSON.stringify(redactConfig(config))).not.toContain(TOKEN);
    expect(JSON.stringify(redactConfig(config))).toContain("[redacted]");
    expect(text).not.toContain(TOKEN);
  });

  it("records timeouts, resets and refused connections as events with their kind, and goes on", async () => {
    const t = await target((r) =>
      r.path === "/api/products" ? "hang" : r.path === "/api/login" ? "reset" : {},
    );
    const { events, metrics } = await run(t.url, []);
    const kinds = new Map<string, number>();
    for (const e of events) if (e.error !== null) kinds.set(e.error!, (kinds.get(e.error!) ?? 0) + 1);
    for (const e of events) {
      if (e.endpoint === "/api/login") expect([e.status_code, e.error]).toEqual([0, "reset"]);
      if (e.endpoint === "/api/products") expect([e.status_code, e.error]).toEqual([0, "timeout"]);
    }
    expect(kinds.get("reset")).toBeGreaterThan(0);
    expect(sample(metrics, 'tracewalk_http_errors_total{kind="reset"}')).toBe(kinds.get("reset"));
    expect(sample(metrics, 'tracewalk_http_errors_total{kind="timeout"}')).toBe(kinds.get("timeout") ?? 0);

    const port = await freePort();
    const refused = await run(`http://127.0.0.1:${port}`, [], "1s");
    expect(refused.events.length).toBeGreaterThan(0);
    for (const e of refused.events) expect([e.status_code, e.error]).toEqual([0, "refused"]);
    expect(
      sample(
        refused.metrics,
        'tracewalk_http_requests_total{endpoint="/api/login",method="POST",status_class="error"}',
      ),
    ).toBeGreaterThan(0);
  });

  it("does not follow a redirect: the 3xx is what the call got", async () => {
    const other = await target();
    const t = await target(() => ({ redirect: `${other.url.replace("127.0.0.1", "localhost")}/elsewhere` }));
    const { events } = await run(t.url, [], "1s");
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.status_code).toBe(302);
    expect(other.received).toEqual([]);
  });

  it("closed model: a slow server slows the sessions (each call waits for the previous response)", async () => {
    const t = await target(() => ({ delayMs: 150 }));
    const { events } = await run(t.url, [
      "load={model: closed, users: 2, pause: 0s}",
      "generation.think_time={min_s: 0, max_s: 0, long_probability: 0}",
    ]);
    const bySession = new Map<string, TraceEvent[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
    for (const list of bySession.values()) {
      for (let i = 1; i < list.length; i++) {
        // The next call goes after the response: its send time is at least the latency later. The
        // latency is measured on the monotonic clock and rounded to 0.1 ms (up, at times), the send
        // times are whole wall-clock milliseconds: floor(latency - 0.05) >= floor(latency) - 1.
        const gap = Date.parse(list[i]!.timestamp) - Date.parse(list[i - 1]!.timestamp);
        expect(gap).toBeGreaterThanOrEqual(Math.floor(list[i - 1]!.response_time_ms) - 1);
        expect(list[i - 1]!.response_time_ms).toBeGreaterThanOrEqual(150 - TIMER_SLACK_MS);
      }
    }
    // Two users, 150 ms a call, for 2 s (sessions in flight then finish): about 2 × 2000 / 150.
    expect(events.length).toBeGreaterThan(8);
    expect(events.length).toBeLessThan(2 * (2000 / 150 + 15));
  });

  it("rate_limit caps the requests per second: calls wait for it", async () => {
    const t = await target();
    const { events } = await run(t.url, [
      "target.rate_limit=25",
      "generation.think_time={min_s: 0, max_s: 0, long_probability: 0}",
    ]);
    const sent = events.map((e) => Date.parse(e.timestamp)).sort((a, b) => a - b);
    expect(sent.length).toBeGreaterThan(20);
    // Each request takes a slot 40 ms after the one before and never goes before it (a busy machine
    // may send late ones together, so a window of one second is no bound; the slots are). By send
    // time, the i-th request went no earlier than i slots after the first, less the slack: its timer
    // may fire TIMER_SLACK_MS early, and timestamps are whole Date milliseconds (1 more).
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i]! - sent[0]!).toBeGreaterThanOrEqual(i * 40 - TIMER_SLACK_MS - 1);
    }
  });

  it("open model: a slow server makes counted drops, not a slower schedule", async () => {
    const t = await target(() => ({ delayMs: 300 }));
    const { metrics, events } = await run(t.url, [
      "load={model: open, arrival_rate: 40}",
      "target.max_connections=2",
    ]);
    const dropped = sample(metrics, "tracewalk_arrivals_dropped_total");
    const started = sample(metrics, 'tracewalk_sessions_started_total{workflow="ecommerce"}');
    expect(dropped).toBeGreaterThan(10);
    // Arrivals kept their schedule: each either started on time or was dropped, none waited.
    expect(sample(metrics, "tracewalk_arrivals_late_total")).toBe(0);
    expect(started).toBeGreaterThan(dropped);
    const first = events.filter((e) => e.call_index === 0).length;
    expect(first).toBe(started - dropped);
  });
});

describe("HTTP mode with a cascade", () => {
  it("labels the calls in the window and, with envoy_faults, asks Envoy to fail them; events record what the target did", async () => {
    const t = await target();
    const drill = {
      name: "drill",
      at: ["0s"],
      duration: "1h",
      scope: { endpoints: ["/api/products*"] },
      envoy_faults: true,
      effects: {
        slow: { probability: 0 },
        timeout: { probability: 0 },
        unavailable: { probability: 1, status: 503 },
      },
    };
    const out = await run(t.url, [`cascades=${JSON.stringify([drill])}`], "1s");
    const products = out.events.filter((e) => e.endpoint.startsWith("/api/products"));
    expect(products.length).toBeGreaterThan(0);
    for (const e of out.events) {
      expect(e.cascade_id).toBe(e.endpoint.startsWith("/api/products") ? "drill-0" : null);
      // The server is no Envoy: it answered 200, and that is what the event says.
      expect(e.status_code).toBe(200);
    }
    for (const r of t.received) {
      const touched = r.path.startsWith("/api/products");
      expect(r.headers["x-envoy-fault-abort-request"], r.path).toBe(touched ? "503" : undefined);
    }
  });
});

describe("HTTP mode from the command line", () => {
  it("refuses a target outside allow_hosts before any request, exit 2", async () => {
    const t = await target();
    const r = await runCli([
      "run",
      "--target",
      t.url,
      "--allow-host",
      "localhost",
      "--duration",
      "1s",
      "--out",
      join(tmp.dir, "x.jsonl"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("target.url");
    expect(r.stderr).toContain("allow_hosts");
    expect(r.stderr).not.toMatch(STACK_LINE);
    const none = await runCli(["run", "--target", t.url, "--duration", "1s"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("target.allow_hosts");
    expect(t.received).toEqual([]);
  });

  it("--dry-run prints the requests and sends none", async () => {
    const t = await target();
    const out = join(tmp.dir, "dry.jsonl");
    const r = await runCli([
      "run",
      "--target",
      t.url,
      "--allow-host",
      "127.0.0.1",
      "--dry-run",
      "--speed",
      "max",
      // A dry run keeps HTTP mode's real-time clock: this is two real seconds.
      "--duration",
      "2s",
      "--out",
      out,
      "--metrics-addr",
      "127.0.0.1:0",
    ]);
    expect(r.code, r.stderr.slice(-800)).toBe(0);
    expect(t.received).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`dry-run POST ${t.url}/api/login \\{\\}`));
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).length).toBe(
      r.stderr.match(/^dry-run /gm)!.length,
    );
  });

  it("exports the HTTP families, which promtool accepts", async () => {
    const t = await target((r) => (r.path === "/api/search" ? { status: 503 } : {}));
    const file = join(tmp.dir, "metrics.yaml");
    writeFileSync(file, 'target: { headers: { x-api-key: "$' + '{STAGING_TOKEN}" } }\n');
    process.env.STAGING_TOKEN = TOKEN;
    const {
      base,
      run: child,
      log,
    } = await startDaemon(
      [
        "--config",
        file,
        "--target",
        t.url,
        "--allow-host",
        "127.0.0.1",
        "--speed",
        "1",
        "--out",
        join(tmp.dir, "m.jsonl"),
        "--metrics-addr",
        "127.0.0.1:0",
        "--set",
        "load.arrival_rate=20",
      ],
      children,
    );
    delete process.env.STAGING_TOKEN;
    const text = await scrapeUntil(base, "requests counted", (x) => x.includes('status_class="2xx"'));
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    for (const family of [
      "tracewalk_http_requests_total",
      "tracewalk_http_request_duration_seconds_bucket",
      "tracewalk_http_errors_total",
      "tracewalk_http_requests_in_flight",
      "tracewalk_arrivals_dropped_total",
    ]) {
      expect(text).toContain(family);
    }
    child.child.kill("SIGTERM");
    expect((await child).code).toBe(0);
    expect(t.received.every((r) => r.headers["x-api-key"] === TOKEN)).toBe(true);
    expect(log()).toContain('"x-api-key":"[redacted]"');
    expect(log()).not.toContain(TOKEN);
  });
});
