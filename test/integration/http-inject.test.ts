// HTTP drills that really inject: a real Toxiproxy server in front of a real loopback HTTP server,
// a webhook receiver on loopback, and the client's own timeouts and re-sends. Real time throughout
// (HTTP mode runs on the wall clock), with short windows and bounded runs.
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import { runCli, STACK_LINE, startDaemon, tempDir } from "../helpers/cli.js";
import { type Behavior, type Received, startTarget, type Target } from "../helpers/http-target.js";
import { sample, until } from "../helpers/metrics.js";
import { startToxiproxy, type Toxiproxy } from "../helpers/toxiproxy.js";

const tmp = tempDir("tw-inject-");
const targets: Target[] = [];
const children: ChildProcess[] = [];
let toxi: Toxiproxy;
let proxies = 0;

beforeAll(async () => {
  toxi = await startToxiproxy();
}, 120_000);
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const t of targets.splice(0)) await t.close();
});
afterAll(async () => {
  await toxi?.stop();
  tmp.remove();
});

async function target(respond?: (r: Received) => Behavior): Promise<Target> {
  const t = await startTarget(respond);
  targets.push(t);
  return t;
}

/** A fresh proxy in front of a fresh target: its name and the URL tracewalk targets. */
async function proxied(respond?: (r: Received) => Behavior) {
  const t = await target(respond);
  const name = `api${proxies++}`;
  const url = await toxi.proxy(name, `127.0.0.1:${t.port}`);
  return { t, name, url };
}

function jsonl<T>(path: string): T[] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  } catch {
    return [];
  }
}

/** The millisecond before an instant, as text. */
const msBefore = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

let runs = 0;
/** Runs the daemon in process against `url` (real time, `duration` long); its events, labels, log and metrics. */
async function run(url: string, cascades: unknown[], duration: string, extra: string[] = []) {
  const n = runs++;
  const out = join(tmp.dir, `run-${n}.jsonl`);
  const config = await loadConfig({
    env: {},
    flags: {
      speed: "10",
      duration,
      set: [
        "metrics.enabled=false",
        `target={url: "${url}", allow_hosts: [127.0.0.1], timeout: 5s}`,
        `sinks=[{type: file, path: ${out}}]`,
        "load={model: closed, users: 3, pause: 0s}",
        // At speed 10: 50 to 200 ms between a user's calls, so sessions end soon after the run.
        "generation.think_time={min_s: 0.5, max_s: 2, long_probability: 0}",
        `cascades=${JSON.stringify(cascades)}`,
        ...extra,
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
  await daemon.run();
  const metrics = await daemon.registry.metrics();
  expect(await daemon.close()).toEqual({ file: 0 });
  return {
    events: jsonl<TraceEvent>(out),
    labels: jsonl<CascadeLabel>(join(tmp.dir, `run-${n}.labels.jsonl`)),
    metrics,
    logged,
  };
}

const at = (e: { timestamp: string }) => Date.parse(e.timestamp);
const NO_EFFECTS = {
  slow: { probability: 0 },
  timeout: { probability: 0 },
  unavailable: { probability: 0 },
  retry: { probability: 0 },
};

describe("a drill through Toxiproxy", () => {
  it("slows the calls sent while its toxics are in place, and only those carry its id; labels say Toxiproxy did it; no toxic is left", async () => {
    const p = await proxied();
    const drill = {
      name: "tox",
      at: ["2s"],
      duration: "3s",
      // A proxy slows every call through it: the scope cannot narrow what it does.
      scope: { endpoints: ["/api/cart*"] },
      effects: NO_EFFECTS,
      inject: {
        toxiproxy: {
          url: toxi.url,
          proxy: p.name,
          toxics: [{ type: "latency", attributes: { latency: 1000 } }],
        },
      },
    };
    const { events, labels } = await run(p.url, [drill], "7s");
    const open = labels.find((l) => l.state === "open")!;
    const closed = labels.find((l) => l.state === "closed")!;
    // The window starts with the millisecond after Toxiproxy confirmed the toxics (a call sent in that
    // same millisecond may have gone before the confirmation, and carries no id).
    expect(open.inject).toEqual([
      expect.objectContaining({ by: "toxiproxy", ok: true, proxy: p.name, at: msBefore(open.start) }),
    ]);
    const entry = (closed.inject as Record<string, unknown>[])[0]!;
    expect(entry.toxics).toEqual([
      { name: "tox-0-0", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 1000 } },
    ]);
    // The window ends just after Toxiproxy confirmed the removal: [start, end) holds every call sent before.
    expect(Date.parse(closed.end)).toBe(Date.parse(entry.removed_at as string) + 1);
    expect(closed.start).toBe(open.start);
    const [start, end] = [Date.parse(open.start), Date.parse(closed.end)];
    const inside = events.filter((e) => at(e) >= start && at(e) < end);
    expect(inside.length).toBeGreaterThan(0);
    // Every call sent while the toxic was in place carries the id, whatever its endpoint.
    for (const e of inside) expect(e.cascade_id, e.endpoint).toBe("tox-0");
    expect(new Set(inside.map((e) => e.endpoint)).size).toBeGreaterThan(1);
    // ...and was slowed by it (one sent as the toxic was being removed may have escaped it).
    const early = inside.filter((x) => at(x) < end - 1100);
    expect(early.length).toBeGreaterThan(0);
    for (const e of early) expect(e.response_time_ms).toBeGreaterThanOrEqual(995);
    // Calls well outside were neither slowed nor labelled (a loopback answer on a busy machine may
    // take a while, never the toxic's second).
    const outside = events.filter((e) => at(e) < start - 300 || at(e) >= end + 300);
    expect(outside.length).toBeGreaterThan(5);
    for (const e of outside) {
      expect(e.cascade_id).toBeNull();
      expect(e.response_time_ms, `sent ${at(e) - start} ms after the start`).toBeLessThan(700);
    }
    expect(events.filter((e) => e.cascade_id !== null).length).toBe(inside.length);
    expect(await toxi.toxics(p.name)).toEqual([]);
  }, 30_000);

  it("maps the effects to toxics when none are given (slow -> latency, unavailable -> reset_peer)", async () => {
    const p = await proxied();
    const drill = {
      name: "mapped",
      at: ["1s"],
      duration: "1s",
      effects: {
        ...NO_EFFECTS,
        slow: { probability: 0.5, factor: [2, 4] },
        unavailable: { probability: 0.25 },
      },
      inject: { toxiproxy: { url: toxi.url, proxy: p.name } },
    };
    const { labels } = await run(p.url, [drill], "3s");
    const entry = (labels.find((l) => l.state === "open")!.inject as Record<string, unknown>[])[0]!;
    const toxics = entry.toxics as {
      name: string;
      type: string;
      toxicity: number;
      attributes: Record<string, number>;
    }[];
    expect(toxics.map((t) => [t.name, t.type, t.toxicity])).toEqual([
      ["mapped-0-0", "latency", 0.5],
      ["mapped-0-1", "reset_peer", 0.25],
    ]);
    // The endpoints' mean time times the factor's midpoint (3), minus the mean: twice the mean.
    expect(toxics[0]!.attributes.latency).toBeGreaterThan(0);
    expect(toxics[0]!.attributes.jitter).toBe(Math.round(toxics[0]!.attributes.latency! / 2));
    expect(await toxi.toxics(p.name)).toEqual([]);
  }, 30_000);
});

describe("Toxiproxy and the process's end", () => {
  function drillFile(name: string, url: string, proxy: string, atS: string, out: string): string {
    const file = join(tmp.dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        `target: { url: "${url}", allow_hosts: [127.0.0.1] }`,
        "load: { model: closed, users: 2, pause: 0s }",
        "metrics: { port: 0 }",
        "log: { pretty: false }",
        "drain_timeout: 4s",
        `sinks: [{ type: file, path: ${out} }]`,
        "cascades:",
        `  - { name: drill, at: [${atS}], duration: 1h, inject: { toxiproxy: { url: "${toxi.url}", proxy: ${proxy}, toxics: [{ type: latency, attributes: { latency: 50 } }] } } }`,
        "",
      ].join("\n"),
    );
    return file;
  }

  it("removes the toxics at SIGTERM mid-window; the closed record says cut and when they were removed", async () => {
    const p = await proxied();
    const out = join(tmp.dir, "term.jsonl");
    const d = await startDaemon(
      ["--config", drillFile("term", p.url, p.name, "1s", out), "--speed", "10"],
      children,
    );
    await until("the toxic", 15_000, async () => ((await toxi.toxics(p.name)).length > 0 ? true : undefined));
    d.run.child.kill("SIGTERM");
    const r = await d.run;
    expect(r.code).toBe(0);
    expect(await toxi.toxics(p.name)).toEqual([]);
    const closed = jsonl<CascadeLabel>(join(tmp.dir, "term.labels.jsonl")).find((l) => l.state === "closed")!;
    expect(closed.cut).toBe(true);
    expect((closed.inject as Record<string, unknown>[])[0]!.removed_at).toBeDefined();
  }, 30_000);

  it("after kill -9 mid-window the toxics stay; a restart removes them before it sends anything", async () => {
    const p = await proxied();
    const out = join(tmp.dir, "kill.jsonl");
    const d = await startDaemon(
      ["--config", drillFile("kill", p.url, p.name, "1s", out), "--speed", "10"],
      children,
    );
    await until("the toxic", 15_000, async () => ((await toxi.toxics(p.name)).length > 0 ? true : undefined));
    d.run.child.kill("SIGKILL");
    await d.run;
    expect((await toxi.toxics(p.name)).map((t) => t.name)).toEqual(["drill-0-0"]);
    // The restart's window is far away: whatever toxic is there at its first request was left by the killed run.
    const before = p.t.received.length;
    const again = await startDaemon(
      ["--config", drillFile("kill2", p.url, p.name, "1h", out), "--speed", "10", "--duration", "1s"],
      children,
    );
    const r = await again.run;
    expect(r.code).toBe(0);
    expect(again.log()).toMatch(/stale toxics removed/);
    expect(await toxi.toxics(p.name)).toEqual([]);
    expect(p.t.received.length).toBeGreaterThan(before);
  }, 30_000);

  it("refuses a proxy that does not exist: exit 2 naming it, before any request", async () => {
    const t = await target();
    const file = drillFile("missing", t.url, "no-such-proxy", "1s", join(tmp.dir, "missing.jsonl"));
    const r = await runCli(["run", "--config", file, "--duration", "2s"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cascades[0].inject.toxiproxy.proxy");
    expect(r.stderr).toContain('no proxy "no-such-proxy"');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(t.received).toEqual([]);
  }, 30_000);
});

describe("a webhook injector", () => {
  it("POSTs open and closed to a receiver on loopback; calls in scope between the two carry the id", async () => {
    const hook = await target();
    const t = await target();
    const drill = {
      name: "hook",
      at: ["1s"],
      duration: "2s",
      scope: { endpoints: ["/api/products*"] },
      effects: NO_EFFECTS,
      inject: { webhook: { url: `${hook.url}/drills?token=abc`, headers: { "x-drill": "yes" } } },
    };
    const { events, labels } = await run(t.url, [drill], "4s");
    expect(hook.received.map((r) => [r.method, r.path, JSON.parse(r.body).state])).toEqual([
      ["POST", "/drills", "open"],
      ["POST", "/drills", "closed"],
    ]);
    const body = JSON.parse(hook.received[0]!.body);
    expect(body).toMatchObject({ cascade_id: "hook-0", scope: { endpoints: ["/api/products*"] } });
    expect(hook.received[0]!.headers["x-drill"]).toBe("yes");
    const open = labels.find((l) => l.state === "open")!;
    // The URL in the label has no query (where secrets hide).
    expect(open.inject).toEqual([
      { by: "webhook", url: `${hook.url}/drills`, ok: true, at: msBefore(open.start) },
    ]);
    const closed = labels.find((l) => l.state === "closed")!;
    const [start, end] = [Date.parse(open.start), Date.parse(closed.end)];
    for (const e of events) {
      const inside = at(e) >= start && at(e) < end && e.endpoint.startsWith("/api/products");
      expect(e.cascade_id, `${e.timestamp} ${e.endpoint}`).toBe(inside ? "hook-0" : null);
    }
  }, 30_000);

  it("a failing webhook is retried, counted, logged and written into the label; no call carries the id", async () => {
    const hook = await target(() => ({ status: 500 }));
    const t = await target();
    const drill = {
      name: "down",
      at: ["1s"],
      duration: "1s",
      effects: NO_EFFECTS,
      inject: { webhook: { url: hook.url } },
    };
    const { events, labels, metrics, logged } = await run(t.url, [drill], "3s");
    expect(hook.received.length).toBe(6); // open and closed, three attempts each
    expect(sample(metrics, 'tracewalk_inject_failures_total{by="webhook",cascade="down"}')).toBe(2);
    expect(sample(metrics, 'tracewalk_inject_retries_total{by="webhook"}')).toBe(4);
    expect(logged).toContain("injection failed");
    const closed = labels.find((l) => l.state === "closed")!;
    expect(closed.inject).toEqual([
      expect.objectContaining({ by: "webhook", ok: false, error: expect.stringContaining("HTTP 500") }),
    ]);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.cascade_id).toBeNull();
  }, 30_000);
});

describe("the client injector", () => {
  it("aborts touched calls at timeout.after, recorded as error timeout, status 0; others go on", async () => {
    const t = await target((r) => (r.path.startsWith("/api/products") ? { delayMs: 2000 } : {}));
    const drill = {
      name: "cto",
      at: ["0s"],
      duration: "1h",
      scope: { endpoints: ["/api/products*"] },
      effects: { ...NO_EFFECTS, timeout: { probability: 1, after: "150ms" } },
      inject: { client: true },
    };
    const { events, labels } = await run(t.url, [drill], "3s", ["clock.speed=max"]);
    const touched = events.filter((e) => e.endpoint.startsWith("/api/products"));
    expect(touched.length).toBeGreaterThan(0);
    for (const e of touched) {
      expect([e.status_code, e.error, e.cascade_id]).toEqual([0, "timeout", "cto-0"]);
      expect(e.response_time_ms).toBeGreaterThanOrEqual(150);
      expect(e.response_time_ms).toBeLessThan(1500); // never the server's 2 s
    }
    for (const e of events.filter((x) => !x.endpoint.startsWith("/api/products"))) {
      expect([e.status_code, e.error, e.cascade_id]).toEqual([200, null, null]);
    }
    expect(labels.find((l) => l.state === "open")!.inject).toEqual([
      expect.objectContaining({ by: "client", ok: true, effects: ["timeout"] }),
    ]);
  }, 30_000);

  it("re-sends touched calls after the backoff, up to retry.max, and each re-send reaches the server", async () => {
    const t = await target();
    const drill = {
      name: "storm",
      at: ["0s"],
      duration: "1h",
      scope: { endpoints: ["/api/search"] },
      effects: { ...NO_EFFECTS, retry: { probability: 1, max: 2, backoff: ["20ms", "20ms"] } },
      inject: { client: true },
    };
    const { events } = await run(t.url, [drill], "3s", ["clock.speed=max"]);
    const retries = events.filter((e) => e.is_retry);
    expect(retries.length).toBeGreaterThan(0);
    // Requests received equal events: every re-send was a real request.
    expect(t.received.length).toBe(events.length);
    expect(t.received.filter((r) => r.path === "/api/search").length).toBe(
      events.filter((e) => e.endpoint === "/api/search").length,
    );
    for (const e of retries) expect([e.endpoint, e.cascade_id]).toEqual(["/api/search", "storm-0"]);
    // At most retry.max re-sends follow one call.
    const bySession = new Map<string, TraceEvent[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
    for (const list of bySession.values()) {
      list.sort((a, b) => a.call_index - b.call_index);
      let run = 0;
      for (const e of list) {
        run = e.is_retry ? run + 1 : 0;
        expect(run).toBeLessThanOrEqual(2);
      }
    }
  }, 30_000);
});

describe("inject: none", () => {
  it("announces the window only: no call carries its id, and the labels say none", async () => {
    const t = await target();
    const drill = { name: "quiet", at: ["0s"], duration: "1h", inject: "none" };
    const { events, labels } = await run(t.url, [drill], "2s", ["clock.speed=max"]);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.cascade_id).toBeNull();
    expect(labels.map((l) => [l.state, l.inject])).toEqual([
      ["open", "none"],
      ["closed", "none"],
    ]);
  }, 30_000);
});
