import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig, redactConfig } from "../../src/config/index.js";
import { sinkSchemas } from "../../src/config/sinks.js";
import { Effect, markEffects, type TraceEvent } from "../../src/event/index.js";
import { OtlpSink, parseOtlpHeaders, resolveOtlpTarget } from "../../src/sinks/otlp.js";
import type { SpanData } from "../../src/sinks/otlp-encode.js";
import { createOtlpSink } from "../../src/sinks/otlp-factory.js";
import { partialSuccess, retryAfterMs } from "../../src/sinks/otlp-http.js";
import { callSpanIdOf, sessionSpanIdOf, traceIdOf, traceparentOf } from "../../src/sinks/otlp-ids.js";
import { serviceMaps, TraceBuilder } from "../../src/sinks/otlp-spans.js";
import { waitFor } from "../helpers/cli.js";
import { EFFECTS } from "../helpers/labels.js";

function event(session: string, i: number, over: Partial<TraceEvent> = {}): TraceEvent {
  return {
    event_id: `${session}-${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    workflow: "shop",
    user_id: "user-1",
    user_type: "buyer",
    session_id: session,
    call_index: i,
    endpoint: "/api/products/{id}",
    path: `/api/products/${i}`,
    method: "GET",
    params: {},
    status_code: 200,
    response_time_ms: 12.5,
    is_retry: false,
    cascade_id: null,
    ...over,
  };
}

interface Posted {
  headers: IncomingMessage["headers"];
  body: { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
}

/** A loopback OTLP/HTTP receiver: answers each request from `answer` (by its 0-based index), keeps the JSON bodies. */
async function receiver(
  answer: (
    n: number,
  ) => { status: number; headers?: Record<string, string>; body?: string } | "hang" = () => ({
    status: 200,
  }),
) {
  const posted: Posted[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const a = answer(n++);
      if (a === "hang") return;
      if (a.status === 200) {
        let raw = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
        posted.push({ headers: req.headers, body: JSON.parse(raw.toString()) });
      }
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
      res.end(a.body ?? (a.status === 200 ? "{}" : '{"message":"no"}'));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, posted, requests: () => n };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function sink(url: string, over: Record<string, unknown> = {}, hooks = {}) {
  const o = sinkSchemas.otlp.parse({ type: "otlp", endpoint: url, protocol: "http/json", ...over });
  return new OtlpSink(o, hooks, {});
}

const spansOf = (posted: Posted[]) =>
  posted.flatMap((p) => p.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));

const attr = (span: Record<string, unknown>, key: string) =>
  (span.attributes as { key: string; value: Record<string, unknown> }[]).find((a) => a.key === key)?.value;

describe("otlp ids", () => {
  it("derives the traceparent from the session and the call's span id, the same every time", () => {
    const tp = traceparentOf("s42-1-0", 3);
    expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(tp).toBe(`00-${traceIdOf("s42-1-0")}-${callSpanIdOf("s42-1-0-3")}-01`);
    expect(traceIdOf("s42-1-0")).not.toBe(traceIdOf("s43-1-0"));
    expect(sessionSpanIdOf("s42-1-0")).not.toBe(callSpanIdOf("s42-1-0-0"));
  });
});

describe("TraceBuilder", () => {
  it("makes a CLIENT span per call under the session's root, which comes once the session is idle", () => {
    const b = new TraceBuilder({ idleMs: 60_000, maxOpen: 1000 });
    const out: SpanData[] = [];
    b.label([
      { cascade_id: "c-1", name: "brownout", state: "open", start: "", end: "", scope: {}, effects: EFFECTS },
    ]);
    b.add([event("a", 0), event("a", 1, { status_code: 503, cascade_id: "c-1" })], out);
    b.add([event("a", 2, { status_code: 503, is_retry: true, cascade_id: "c-1" })], out);
    expect(out).toHaveLength(3);
    expect(b.openSessions).toBe(1);
    // Another session two minutes later: "a" has been idle longer than idleMs.
    b.add([event("b", 120)], out);
    const root = out.find((s) => s.parentSpanId === null)!;
    expect(root.spanId).toBe(sessionSpanIdOf("a"));
    expect(root.attributes).toContainEqual(["tracewalk.calls", 3]);
    expect(root.attributes).toContainEqual(["tracewalk.cascade_id", "c-1"]);
    const retry = out[2]!;
    expect(retry.name).toBe("GET /api/products/{id}");
    expect(retry.traceId).toBe(traceIdOf("a"));
    expect(retry.parentSpanId).toBe(sessionSpanIdOf("a"));
    expect(retry.status).toBe(2);
    expect(retry.endMs - retry.startMs).toBeCloseTo(12.5);
    expect(retry.attributes).toEqual(
      expect.arrayContaining([
        ["http.response.status_code", 503],
        ["error.type", "503"],
        ["http.request.resend_count", 1],
        ["tracewalk.cascade", true],
        ["tracewalk.cascade.name", "brownout"],
      ]),
    );
    expect(out[0]!.attributes.some(([k]) => k.startsWith("tracewalk.cascade"))).toBe(false);
    const rest: SpanData[] = [];
    b.closeAll(rest);
    expect(rest.map((s) => s.spanId)).toEqual([sessionSpanIdOf("b")]);
  });

  it("says which effects tracewalk applied, names a per-session cascade by its bits, and the window's injectors", () => {
    const b = new TraceBuilder({ idleMs: 60_000, maxOpen: 1000 });
    const out: SpanData[] = [];
    const drill = { cascade_id: "d-0", name: "drill", state: "open" as const, start: "", end: "", scope: {} };
    const at = "2026-01-01T00:00:00.000Z";
    b.label([{ ...drill, effects: EFFECTS, inject: [{ by: "envoy", at, ok: true }] }]);
    const slowRetry = event("a", 0, { cascade_id: "d-0" });
    markEffects(slowRetry, Effect.DRAWN | Effect.SLOW | Effect.RETRY);
    const drawnOnly = event("a", 1, { cascade_id: "d-0" });
    markEffects(drawnOnly, Effect.DRAWN);
    const session = event("b", 0, { cascade_id: "cascade-b", status_code: 504 });
    markEffects(session, Effect.DRAWN | Effect.SESSION | Effect.TIMEOUT);
    // HTTP mode: no bits, the window's injector from its label.
    const http = event("c", 0, { cascade_id: "d-0" });
    b.add([slowRetry, drawnOnly, session, http], out);
    const attrs = (i: number) => new Map(out[i]!.attributes);
    expect(attrs(0).get("tracewalk.cascade.effect")).toEqual(["slow", "retry"]);
    expect(attrs(0).get("tracewalk.cascade.name")).toBe("drill");
    // The window's label names its injector: every touched span says so, beside what tracewalk applied.
    expect(attrs(0).get("tracewalk.cascade.injected_by")).toEqual(["envoy"]);
    expect(attrs(1).get("tracewalk.cascade.effect")).toEqual([]);
    expect(attrs(2).get("tracewalk.cascade.effect")).toEqual(["timeout"]);
    expect(attrs(2).get("tracewalk.cascade.name")).toBe("session-cascade");
    expect(attrs(3).has("tracewalk.cascade.effect")).toBe(false);
    expect(attrs(3).get("tracewalk.cascade.injected_by")).toEqual(["envoy"]);
    const roots: SpanData[] = [];
    b.closeAll(roots);
    const root = roots.find((r) => r.traceId === traceIdOf("b"))!;
    expect(new Map(root.attributes).get("tracewalk.cascade.name")).toBe("session-cascade");
  });

  it("marks in a touched call's service tree the hop each service was reached at and where the cascade started", () => {
    const services = serviceMaps([
      {
        name: "shop",
        services: {
          front: { endpoints: ["/front"], depends_on: ["api"] },
          api: { endpoints: ["/api/pay"], depends_on: ["db"] },
          db: {},
        },
      },
    ]);
    const b = new TraceBuilder({ idleMs: 60_000, maxOpen: 1000, services });
    const base = { state: "open" as const, start: "", end: "", effects: EFFECTS };
    b.label([
      { ...base, cascade_id: "pay-0", name: "pay", scope: { endpoints: ["/api/pay*"] } },
      {
        ...base,
        cascade_id: "pay-0.front",
        name: "pay",
        scope: { endpoints: ["/front"] },
        origin: "pay-0",
        hop: 1,
        service: "front",
      },
    ]);
    const out: SpanData[] = [];
    b.add(
      [
        event("a", 0, { endpoint: "/front", cascade_id: "pay-0.front" }),
        event("a", 1, { endpoint: "/front" }),
        event("a", 2, { endpoint: "/api/pay", cascade_id: "pay-0" }),
      ],
      out,
    );
    const marks = (i: number) =>
      out
        .filter(
          (s) => s.service !== undefined && new Map(s.attributes).get("tracewalk.event_id") === `a-${i}`,
        )
        .map((s) => {
          const a = new Map(s.attributes);
          return [s.service, a.get("tracewalk.cascade.hop"), a.get("tracewalk.cascade.origin")];
        });
    expect(marks(0)).toEqual([
      ["front", 1, undefined],
      ["api", 0, true],
      ["db", undefined, undefined],
    ]);
    expect(marks(1)).toEqual([
      ["front", undefined, undefined],
      ["api", undefined, undefined],
      ["db", undefined, undefined],
    ]);
    expect(marks(2)).toEqual([
      ["api", 0, true],
      ["db", undefined, undefined],
    ]);
  });
});

describe("OtlpSink against a loopback receiver", () => {
  it("exports every call and every session, with the configured headers, and ends with no backlog", async () => {
    const r = await receiver();
    const s = sink(r.url, { headers: { Authorization: "Bearer t0k" }, batch_size: 4, compression: "gzip" });
    await s.start();
    const events = Array.from({ length: 10 }, (_, i) => event(`s-${i % 3}`, i));
    await s.write(events.slice(0, 5));
    await s.write(events.slice(5));
    await s.close();
    await s.close();
    expect(s.backlog).toBe(0);
    const spans = spansOf(r.posted);
    expect(spans.filter((x) => x.kind === 3)).toHaveLength(10);
    expect(spans.filter((x) => x.parentSpanId === undefined)).toHaveLength(3);
    expect(r.posted.every((p) => p.headers.authorization === "Bearer t0k")).toBe(true);
    expect(r.posted[0]!.headers["content-encoding"]).toBe("gzip");
    const first = spans.find((x) => x.spanId === callSpanIdOf("s-0-0"))!;
    expect(first.startTimeUnixNano).toBe(String(Date.UTC(2026, 0, 1) * 1_000_000));
    expect(attr(first, "http.response.status_code")).toEqual({ intValue: "200" });
  });

  it("retries 503 and 429, honouring Retry-After, then delivers", async () => {
    const r = await receiver((n) =>
      n === 0
        ? { status: 503, headers: { "retry-after": "0" } }
        : n === 1
          ? { status: 429 }
          : { status: 200 },
    );
    const retries: unknown[] = [];
    const s = sink(r.url, { retry: { initial_ms: 10 } }, { onRetry: (i: unknown) => retries.push(i) });
    await s.write([event("a", 0)]);
    await s.close();
    expect(s.backlog).toBe(0);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 0, reason: "HTTP 503" },
      { attempt: 2, delayMs: 20, reason: "HTTP 429" },
    ]);
    expect(spansOf(r.posted)).toHaveLength(2);
  });

  it("reports spans the receiver rejected in a partial success, and counts the batch delivered", async () => {
    const body = JSON.stringify({ partialSuccess: { rejectedSpans: "2", errorMessage: "too old" } });
    const r = await receiver(() => ({ status: 200, body }));
    const rejected: unknown[] = [];
    const s = sink(r.url, {}, { onRejected: (i: unknown) => rejected.push(i) });
    await s.write([event("a", 0), event("a", 1)]);
    await s.close();
    expect(rejected).toEqual([{ rejected: 2, message: "too old" }]);
    expect(s.backlog).toBe(0);
    // The protobuf form: partial_success { rejected_spans: 3, error_message: "no" }.
    expect(partialSuccess(Uint8Array.from([0x0a, 6, 0x08, 3, 0x12, 2, 0x6e, 0x6f]), false)).toEqual({
      rejected: 3,
      message: "no",
    });
    expect(partialSuccess(new Uint8Array(0), false)).toBeNull();
  });

  it("stops for good on a status no retry can fix, naming the endpoint, its events undelivered", async () => {
    const r = await receiver(() => ({ status: 400 }));
    const s = sink(r.url);
    await s.write([event("a", 0), event("a", 1)]);
    await s.close();
    const err = await s.stopped;
    expect(err.message).toBe(`otlp export to ${r.url}/v1/traces failed: HTTP 400 ({"message":"no"})`);
    expect(s.backlog).toBe(2);
    await expect(s.write([event("a", 2)])).rejects.toThrow(/HTTP 400/);
  });

  it("holds writes past max_buffered_events, and destroy drops what it holds, counted", async () => {
    const r = await receiver(() => "hang");
    const s = sink(r.url, { batch_size: 2, max_buffered_events: 4, timeout: "30s" });
    await s.write([event("a", 0), event("a", 1), event("a", 2), event("a", 3)]);
    let done = false;
    const held = s.write([event("a", 4)]).then(() => (done = true));
    // Both batches reached the receiver (max_in_flight 2), which never answers: the write is held.
    await waitFor("two exports", () => r.requests() === 2, 5000);
    expect(done).toBe(false);
    s.destroy();
    await held;
    expect(s.backlog).toBe(5);
    expect(r.requests()).toBe(2);
  });
});

describe("OTLP endpoint and headers from the environment", () => {
  it("uses the standard variables where the config is silent", () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/",
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=a%20b, X-Team=det",
    };
    expect(resolveOtlpTarget({}, env)).toEqual({
      url: "http://127.0.0.1:4318/v1/traces",
      headers: { "api-key": "a b", "x-team": "det" },
    });
    expect(resolveOtlpTarget({ endpoint: "http://h:1", headers: { A: "1" } }, env)).toEqual({
      url: "http://h:1/v1/traces",
      headers: { a: "1" },
    });
    expect(resolveOtlpTarget({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://h:2/t" }).url).toBe(
      "http://h:2/t",
    );
    expect(resolveOtlpTarget({}, {}).url).toBe("http://localhost:4318/v1/traces");
  });

  it("names the variable that is wrong, never a header's value", () => {
    expect(() => resolveOtlpTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL, got "localhost:4318"',
    );
    expect(() => parseOtlpHeaders("secret-only", "OTEL_EXPORTER_OTLP_HEADERS")).toThrow(
      "OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas",
    );
  });

  it("reads Retry-After as seconds or a date", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe("otlp sink config", () => {
  it("never shows a header's value in the config as logged", () => {
    const c = parseConfig({ sinks: [{ type: "otlp", headers: { Authorization: "Bearer s3cret" } }] });
    expect(JSON.stringify(c.sinks)).toContain("s3cret");
    expect(JSON.stringify(redactConfig(c))).not.toContain("s3cret");
  });

  it("refuses an endpoint that is not an http(s) URL, naming its path", () => {
    const r = sinkSchemas.otlp.safeParse({ type: "otlp", endpoint: "127.0.0.1:4318" });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["endpoint", "expected an http:// or https:// URL"],
    ]);
  });
});

describe("service.instance.id", () => {
  const resource = (s: OtlpSink) => new Map((s as unknown as { resource: [string, unknown][] }).resource);
  const silent = { metrics: null, log: { warn() {}, error() {} } };
  const options = (over: object = {}) =>
    sinkSchemas.otlp.parse({ type: "otlp", endpoint: "http://127.0.0.1:1", ...over }) as never;

  it("is the shard (shard-k) in a sharded run, the config's when it names one, else the host name", () => {
    const sharded = createOtlpSink(options(), { ...silent, shard: { index: 2, count: 3 } });
    expect(resource(sharded).get("service.instance.id")).toBe("shard-2");
    const named = createOtlpSink(options({ service_instance_id: "east-1" }), {
      ...silent,
      shard: { index: 2, count: 3 },
    });
    expect(resource(named).get("service.instance.id")).toBe("east-1");
    const single = createOtlpSink(options(), { ...silent, shard: { index: 0, count: 1 } });
    expect(resource(single).get("service.instance.id")).toBe(hostname());
    for (const s of [sharded, named, single]) s.destroy();
  });
});
