// The ground truth on the spans at a real OpenTelemetry Collector: the effect a cascade applied
// (against the same run without it), the per-session cascade's name, a propagated cascade's origin
// and hops in the service trees, and what HTTP mode says instead of an effect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callSpanIdOf, sessionSpanIdOf } from "../../src/sinks/otlp-ids.js";
import { tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";
import { attrOf, type Collector, type ForwardedSpan, startCollector } from "../helpers/otelcol.js";
import { spanIds as ids, otlpRunner } from "../helpers/otlp-run.js";

const tmp = tempDir("tw-otlp-cascades-");
let collector: Collector;
beforeAll(async () => {
  collector = await startCollector(tmp.dir);
}, 20 * 60_000);
afterAll(async () => {
  await collector?.close();
  tmp.remove();
});
const run = otlpRunner(() => collector, tmp.dir);

function productsCascade(effects: Record<string, unknown>, name = "drill") {
  const none = { probability: 0 };
  const all = { slow: none, timeout: none, unavailable: none, retry: none, ...effects };
  return `cascades=${JSON.stringify([{ name, at: ["1m"], duration: "10m", scope: { endpoints: ["/api/products*"] }, effects: all }])}`;
}

const clientSpans = (spans: ForwardedSpan[]) =>
  new Map(spans.filter((s) => s.kind === 3).map((s) => [s.spanId, s]));

describe("the effect a cascade applied, on its calls' CLIENT spans", () => {
  it("says slow on exactly the touched calls of a slow-only cascade, unavailable on an unavailable-only one; the ids stay the seed's", async () => {
    const base = await run(["generation.cascade_rate=0"]);
    const slow = await run([
      "generation.cascade_rate=0",
      productsCascade({ slow: { probability: 1, factor: [3, 3] } }, "slowdown"),
    ]);
    const down = await run([
      "generation.cascade_rate=0",
      productsCascade({ unavailable: { probability: 1, status: 503 } }, "outage"),
    ]);
    // A cascade changes outcomes, never the walk: the same calls, the same span ids.
    expect(ids(slow.spans)).toEqual(ids(base.spans));
    expect(ids(down.spans)).toEqual(ids(base.spans));
    const before = new Map(base.events.map((e) => [e.event_id, e]));
    for (const [r, kind, name] of [
      [slow, "slow", "slowdown"],
      [down, "unavailable", "outage"],
    ] as const) {
      const bySpan = clientSpans(r.spans);
      let touched = 0;
      for (const e of r.events) {
        const s = bySpan.get(callSpanIdOf(e.event_id))!;
        const b = before.get(e.event_id)!;
        if (e.cascade_id === null) {
          expect(attrOf(s.attributes, "tracewalk.cascade.effect"), e.event_id).toBeUndefined();
          expect(e.response_time_ms).toBe(b.response_time_ms);
          continue;
        }
        touched++;
        expect(e.endpoint.startsWith("/api/products")).toBe(true);
        expect(attrOf(s.attributes, "tracewalk.cascade.effect"), e.event_id).toEqual([kind]);
        expect(attrOf(s.attributes, "tracewalk.cascade.name")).toBe(name);
        expect(attrOf(s.attributes, "tracewalk.cascade.injected_by")).toBeUndefined();
        // What the attribute names is what happened to the call, against the run without the cascade.
        if (kind === "slow") {
          expect(Math.abs(e.response_time_ms - 3 * b.response_time_ms)).toBeLessThanOrEqual(0.2);
          expect(e.status_code).toBe(b.status_code);
        } else {
          expect(e.status_code).toBe(503);
          expect(e.response_time_ms).toBe(b.response_time_ms);
        }
      }
      expect(touched).toBeGreaterThan(5);
    }
  });

  it("names the per-session cascade on its spans, with effects that match each call", async () => {
    const { events, spans } = await run(["generation.cascade_rate=0.4"]);
    const bySpan = clientSpans(spans);
    const byId = new Map(events.map((e) => [e.event_id, e]));
    const roots = new Map(spans.filter((s) => !s.parentSpanId).map((s) => [s.spanId, s]));
    const seen = new Set<string>();
    for (const e of events) {
      const s = bySpan.get(callSpanIdOf(e.event_id))!;
      const effect = attrOf(s.attributes, "tracewalk.cascade.effect") as string[] | undefined;
      if (e.cascade_id === null) {
        expect(effect).toBeUndefined();
        expect(attrOf(s.attributes, "tracewalk.cascade.name")).toBeUndefined();
        continue;
      }
      expect(attrOf(s.attributes, "tracewalk.cascade.name")).toBe("session-cascade");
      const root = roots.get(sessionSpanIdOf(e.session_id))!;
      expect(attrOf(root.attributes, "tracewalk.cascade.name")).toBe("session-cascade");
      expect(effect, e.event_id).toBeDefined();
      for (const k of effect!) seen.add(k);
      if (effect!.includes("timeout")) expect([e.status_code, e.response_time_ms]).toEqual([504, 30_000]);
      if (effect!.includes("unavailable")) expect(e.status_code).toBe(503);
      expect(effect!.includes("timeout") && effect!.includes("slow")).toBe(false);
      // A retry follows exactly the calls whose effects say retry (or the run ended first).
      const next = byId.get(`${e.session_id}-${e.call_index + 1}`);
      if (next !== undefined) expect(next.is_retry, e.event_id).toBe(effect!.includes("retry"));
      else if (effect!.includes("retry")) expect(e.is_retry).toBe(false);
    }
    expect([...seen].sort()).toEqual(["retry", "slow", "timeout", "unavailable"]);
  });
});

describe("a propagated cascade in a workflow with a service map", () => {
  const outage = {
    name: "pay-outage",
    at: ["2m"],
    duration: "10m",
    scope: { endpoints: ["/payments*"] },
    propagate: { delay: "1m", damping: 0.5 },
    effects: { slow: { probability: 1, factor: [2, 2] } },
  };
  const runOutage = (set: string[] = []) =>
    run(
      ["generation.cascade_rate=0.2", `cascades=${JSON.stringify([outage])}`, ...set],
      "",
      "http/protobuf",
      "20m",
      "microservices",
    );

  it("marks, in each touched call's service tree, the service where it started and the hop of each it reached", async () => {
    const { events, labels, spans } = await runOutage();
    // From the hop labels: the service each hop reached, at its hop; where it started, hop 0.
    const hops = new Map<string, number>([["payments", 0]]);
    for (const l of labels) if (l.hop !== undefined) hops.set(l.service!, l.hop);
    expect([...hops.keys()].sort()).toEqual(["gateway", "orders", "payments"]);
    const children = new Map<string, ForwardedSpan[]>();
    for (const s of spans)
      children.set(s.parentSpanId ?? "", [...(children.get(s.parentSpanId ?? "") ?? []), s]);
    const below = (id: string): ForwardedSpan[] =>
      (children.get(id) ?? []).flatMap((c) => [c, ...below(c.spanId)]);
    const treesWithOrigin = new Set<string>();
    for (const e of events) {
      for (const s of below(callSpanIdOf(e.event_id))) {
        const service = s.resource["service.name"] as string;
        const hop = attrOf(s.attributes, "tracewalk.cascade.hop");
        const origin = attrOf(s.attributes, "tracewalk.cascade.origin");
        // Untouched, or touched by a per-session cascade (which starts nowhere in the map): no marks.
        if (e.cascade_id === null || !e.cascade_id.startsWith("pay-outage")) {
          expect([hop, origin]).toEqual([undefined, undefined]);
          continue;
        }
        expect(hop, `${e.event_id} ${service}`).toBe(hops.get(service));
        expect(origin).toBe(service === "payments" ? true : undefined);
        if (origin === true) treesWithOrigin.add(e.cascade_id);
      }
    }
    // The root window's own calls and the calls of each hop lead to payments, marked as the origin.
    expect([...treesWithOrigin].sort()).toEqual([
      "pay-outage-0",
      "pay-outage-0.gateway",
      "pay-outage-0.orders",
    ]);
  });

  it("gives, in N shards, the very spans of the one run: attributes, names and marks included", async () => {
    const whole = await runOutage();
    const s0 = await runOutage(["shard=0/2"]);
    const s1 = await runOutage(["shard=1/2"]);
    // Shard 1 writes no window labels; it names and marks its calls all the same.
    expect(s1.labels.some((l) => l.state !== undefined)).toBe(false);
    const marked = (spans: ForwardedSpan[]) =>
      spans.filter((s) => attrOf(s.attributes, "tracewalk.cascade.origin") === true).length;
    expect(marked(s1.spans)).toBeGreaterThan(0);
    const bySpan = (spans: ForwardedSpan[]) =>
      [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
    expect(bySpan([...s0.spans, ...s1.spans])).toEqual(bySpan(whole.spans));
  });
});

describe("HTTP mode with a cascade Envoy injects", () => {
  let target: Target;
  afterAll(async () => await target?.close());

  it("names the injector on the touched spans and no effect: the network made the outcome", async () => {
    target = await startTarget();
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
    const { events, spans } = await run(
      ["load={model: closed, users: 3, pause: 0s}", `cascades=${JSON.stringify([drill])}`],
      `target: { url: "${target.url}", allow_hosts: [127.0.0.1] }\n`,
      "http/protobuf",
      "2s",
    );
    const bySpan = clientSpans(spans);
    let touched = 0;
    for (const e of events) {
      const s = bySpan.get(callSpanIdOf(e.event_id))!;
      expect(attrOf(s.attributes, "tracewalk.cascade.effect")).toBeUndefined();
      expect(attrOf(s.attributes, "tracewalk.cascade.injected_by")).toEqual(
        e.cascade_id === null ? undefined : ["envoy"],
      );
      if (e.cascade_id !== null) touched++;
    }
    expect(touched).toBeGreaterThan(0);
  });
});

describe("HTTP mode with the client injector", () => {
  let target: Target;
  afterAll(async () => await target?.close());

  it("lists what the client did itself: timeout where its timeout ended the call, retry where it re-sent", async () => {
    // Products answer after 2 s, so the client's 150 ms timeout ends every touched products call.
    target = await startTarget((r) => (r.path.startsWith("/api/products") ? { delayMs: 2000 } : {}));
    const none = { probability: 0 };
    const drills = [
      {
        name: "cto",
        at: ["0s"],
        duration: "1h",
        scope: { endpoints: ["/api/products*"] },
        inject: { client: true },
        effects: { slow: none, unavailable: none, retry: none, timeout: { probability: 1, after: "150ms" } },
      },
      {
        name: "storm",
        at: ["0s"],
        duration: "1h",
        scope: { endpoints: ["/api/search"] },
        inject: { client: true },
        effects: {
          slow: none,
          unavailable: none,
          timeout: none,
          retry: { probability: 1, max: 2, backoff: ["20ms", "20ms"] },
        },
      },
    ];
    const { events, spans } = await run(
      ["load={model: closed, users: 3, pause: 0s}", `cascades=${JSON.stringify(drills)}`],
      `target: { url: "${target.url}", allow_hosts: [127.0.0.1] }\n`,
      "http/protobuf",
      "3s",
    );
    const bySpan = clientSpans(spans);
    const seen = { timeout: 0, retry: 0 };
    const bySession = new Map<string, typeof events>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
    for (const list of bySession.values()) {
      list.sort((a, b) => a.call_index - b.call_index);
      list.forEach((e, i) => {
        const s = bySpan.get(callSpanIdOf(e.event_id))!;
        const effect = attrOf(s.attributes, "tracewalk.cascade.effect") as string[] | undefined;
        if (e.cascade_id === null) {
          expect(effect, e.event_id).toBeUndefined();
          return;
        }
        expect(attrOf(s.attributes, "tracewalk.cascade.injected_by"), e.event_id).toEqual(["client"]);
        if (e.cascade_id === "cto-0") {
          // The client's timeout ended it: the span says so, and the event agrees.
          expect([e.status_code, e.error, effect], e.event_id).toEqual([0, "timeout", ["timeout"]]);
          seen.timeout++;
        } else {
          // A search call is re-sent (is_retry on the next call) exactly when its span says retry.
          const next = list[i + 1];
          const retried = next?.is_retry === true;
          if (retried) {
            expect(effect, e.event_id).toEqual(["retry"]);
            seen.retry++;
          } else if (next !== undefined) expect(effect, e.event_id).toBeUndefined();
        }
      });
    }
    expect(seen.timeout).toBeGreaterThan(0);
    expect(seen.retry).toBeGreaterThan(0);
  }, 60_000);
});
