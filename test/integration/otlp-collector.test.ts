import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callSpanIdOf, sessionSpanIdOf, traceIdOf, traceparentOf } from "../../src/sinks/otlp-ids.js";
import { runCli, STACK_LINE, tempDir, waitFor } from "../helpers/cli.js";
import { freePort, startTarget, type Target } from "../helpers/http-target.js";
import { attrOf, type Collector, type ForwardedSpan, startCollector } from "../helpers/otelcol.js";
import { otlpRunner, spanIds } from "../helpers/otlp-run.js";

const tmp = tempDir("tw-otlp-");
const SECRET = "otlp-s3cret-token-4b1d";
let collector: Collector;
beforeAll(async () => {
  collector = await startCollector(tmp.dir);
}, 20 * 60_000);
afterAll(async () => {
  await collector?.close();
  tmp.remove();
});
const run = otlpRunner(() => collector, tmp.dir);
const ids = spanIds;

describe("otlp sink into a real OpenTelemetry Collector", () => {
  it("gives one CLIENT span per event and one trace per session, with semconv attributes and labels", async () => {
    const { events, spans } = await run(["generation.cascade_rate=0.4"]);
    expect(events.length).toBeGreaterThan(50);
    const client = spans.filter((s) => s.kind === 3);
    const roots = spans.filter((s) => s.parentSpanId === undefined || s.parentSpanId === "");
    const sessions = new Set(events.map((e) => e.session_id));
    // Spans = events, traces = sessions, one root each, nothing else.
    expect(client.map((s) => s.spanId).sort()).toEqual(events.map((e) => callSpanIdOf(e.event_id)).sort());
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(sessions.size);
    expect(roots.map((s) => s.spanId).sort()).toEqual([...sessions].map(sessionSpanIdOf).sort());
    expect(spans.length).toBe(events.length + sessions.size);

    const bySpan = new Map(client.map((s) => [s.spanId, s]));
    let touched = 0;
    for (const e of events) {
      const s = bySpan.get(callSpanIdOf(e.event_id))!;
      expect(s.traceId).toBe(traceIdOf(e.session_id));
      expect(s.parentSpanId).toBe(sessionSpanIdOf(e.session_id));
      expect(s.name).toBe(`${e.method} ${e.endpoint}`);
      expect(attrOf(s.attributes, "http.request.method")).toBe(e.method);
      expect(attrOf(s.attributes, "http.route")).toBe(e.endpoint);
      expect(attrOf(s.attributes, "url.path")).toBe(e.path);
      expect(attrOf(s.attributes, "http.response.status_code")).toBe(e.status_code);
      expect(attrOf(s.attributes, "session.id")).toBe(e.session_id);
      expect(attrOf(s.attributes, "error.type")).toBe(
        e.status_code >= 400 ? String(e.status_code) : undefined,
      );
      expect(s.status?.code ?? 0).toBe(e.status_code >= 500 ? 2 : 0);
      expect(attrOf(s.attributes, "http.request.resend_count") !== undefined).toBe(e.is_retry);
      // Labels are on exactly the spans of the calls a cascade touched.
      expect(attrOf(s.attributes, "tracewalk.cascade_id")).toBe(e.cascade_id ?? undefined);
      expect(attrOf(s.attributes, "tracewalk.cascade")).toBe(e.cascade_id === null ? undefined : true);
      if (e.cascade_id !== null) touched++;
      expect(BigInt(s.startTimeUnixNano)).toBe(BigInt(Date.parse(e.timestamp)) * 1_000_000n);
    }
    expect(touched).toBeGreaterThan(0);
    expect(spans[0]!.resource).toMatchObject({
      "service.name": "tracewalk",
      "service.instance.id": "shard-0",
      "service.version": expect.any(String),
    });
  });

  it("gives the same ids for the same seed, in either encoding, and N shards give their union", async () => {
    const a = await run([]);
    const b = await run([], "", "http/json");
    expect(a.spans.length).toBeGreaterThan(50);
    expect(ids(b.spans)).toEqual(ids(a.spans));
    // Two shards of the same run give, together, the very spans of the one run.
    const s0 = await run(["shard=0/2"]);
    const s1 = await run(["shard=1/2"]);
    expect(s0.spans.length).toBeGreaterThan(0);
    expect(s1.spans.length).toBeGreaterThan(0);
    expect(ids([...s0.spans, ...s1.spans])).toEqual(ids(a.spans));
    const c = await run(["seed=8"]);
    const seven = new Set(a.spans.map((s) => s.traceId));
    expect(c.spans.filter((s) => seven.has(s.traceId))).toEqual([]);
  });
});

/** A window cascade on the product pages from the first minute, with only the effects given (probability 1). */

describe("a workflow with a service map", () => {
  it("gives each call its serving service and that service's dependencies as child spans", async () => {
    const { events, spans } = await run(
      ["generation.cascade_rate=0.4"],
      "",
      "http/protobuf",
      "20m",
      "microservices",
    );
    const client = spans.filter((s) => s.kind === 3);
    expect(client).toHaveLength(events.length);
    const byParent = new Map<string, ForwardedSpan[]>();
    for (const s of spans) {
      const list = byParent.get(s.parentSpanId ?? "") ?? [];
      list.push(s);
      byParent.set(s.parentSpanId ?? "", list);
    }
    const owner: Record<string, string> = {
      "/gateway": "gateway",
      "/orders": "orders",
      "/payments": "payments",
    };
    let checked = 0;
    for (const e of events) {
      const service = owner[e.endpoint];
      if (service === undefined) continue;
      const [server] = byParent.get(callSpanIdOf(e.event_id)) ?? [];
      expect(server?.kind).toBe(2);
      expect(server?.resource["service.name"]).toBe(service);
      expect(attrOf(server?.attributes, "tracewalk.cascade_id")).toBe(e.cascade_id ?? undefined);
      expect(server?.status?.code ?? 0).toBe(e.status_code >= 500 || e.status_code === 0 ? 2 : 0);
      // Its dependencies (the map's depends_on) are its children, each under its own service.name.
      const deps = (byParent.get(server!.spanId) ?? []).map((s) => s.resource["service.name"]).sort();
      if (service === "orders") expect(deps).toEqual(["inventory", "orders-db", "payments"]);
      if (service === "payments") expect(deps).toEqual(["notifications", "orders-db"]);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe("HTTP mode with target.trace_context", () => {
  let target: Target;
  afterAll(async () => await target?.close());

  it("sends each request a traceparent naming its session's trace and its CLIENT span", async () => {
    target = await startTarget();
    const { events, spans } = await run(
      ["load={model: closed, users: 3, pause: 0s}"],
      `target: { url: "${target.url}", allow_hosts: [127.0.0.1], trace_context: true }\n`,
      "http/protobuf",
      "2s",
    );
    expect(events.length).toBeGreaterThan(10);
    const sent = target.received.map((r) => r.headers.traceparent as string);
    expect(sent).toHaveLength(events.length);
    expect([...sent].sort()).toEqual(events.map((e) => traceparentOf(e.session_id, e.call_index)).sort());
    // Each traceparent is a CLIENT span the collector received: trace id and parent span id.
    const client = new Set(spans.filter((s) => s.kind === 3).map((s) => `00-${s.traceId}-${s.spanId}-01`));
    for (const tp of sent) expect(client.has(tp)).toBe(true);
  });
});

describe("otlp sink given a bad endpoint", () => {
  it("exits 2 with one line naming the variable or the key, no stack", async () => {
    const base = ["run", "--duration", "1m", "--set", "metrics.enabled=false"];
    const env = await runCli([...base, "--set", "sinks=[{type: otlp}]"], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" },
    });
    expect(env.code).toBe(2);
    expect(env.stderr.trim()).toBe(
      'tracewalk run: OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL, got "localhost:4318"',
    );
    const key = await runCli([...base, "--set", 'sinks=[{type: otlp, endpoint: "127.0.0.1:4318"}]']);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("sinks[0].endpoint: expected an http:// or https:// URL");
    expect(key.stderr).not.toMatch(STACK_LINE);
  });
});

describe("otlp sink with no collector there", () => {
  it("retries, and SIGTERM exits within drain_timeout with 3, counting every event held", async () => {
    const port = await freePort();
    const file = join(tmp.dir, "away.jsonl");
    const run = runCli([
      "run",
      "--speed",
      "60",
      "--duration",
      "1h",
      "--set",
      `sinks=[{type: otlp, endpoint: "http://127.0.0.1:${port}", headers: {authorization: "Bearer ${SECRET}"}}, {type: file, path: ${file}}]`,
      "--set",
      "metrics.enabled=false",
      "--set",
      "drain_timeout=2s",
      "--set",
      "log.pretty=false",
    ]);
    let log = "";
    run.child.stderr?.on("data", (d: Buffer | string) => (log += d.toString()));
    await waitFor("a retried export", () => log.includes("otlp export failed; will retry"), 30_000);
    const t0 = Date.now();
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    expect(Date.now() - t0).toBeLessThan(2000 + 3000);
    const line = r.stderr.split("\n").find((l) => /shutdown: \d+ events not delivered/.test(l))!;
    const events = readFileSync(file, "utf8").split("\n").filter(Boolean).length;
    // Nothing reached a collector: the otlp sink held every event accepted, those written to the file
    // and those the file had not written yet when the deadline came.
    const undelivered = JSON.parse(line).undelivered as { otlp: number; file: number };
    expect(undelivered.otlp).toBe(events + undelivered.file);
    expect(events).toBeGreaterThan(0);
    expect(r.stderr).toContain(`"endpoint":"http://127.0.0.1:${port}/v1/traces"`);
    expect(r.stderr).not.toContain(SECRET);
  });
});
