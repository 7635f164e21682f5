import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HttpMetrics } from "../../src/daemon/http-metrics.js";
import type { CompiledEndpoint } from "../../src/sim/compile.js";
import { sample } from "../helpers/metrics.js";

/** An endpoint as a replayed access log makes one: its template is the concrete path. */
function endpoint(path: string, method: CompiledEndpoint["method"] = "GET"): CompiledEndpoint {
  return { template: path, method } as CompiledEndpoint;
}

/** Distinct values of `label` among the series of `family` in a /metrics text. */
function labelValues(text: string, family: string, label: string): Set<string> {
  const re = new RegExp(`^${family}\\{[^}]*\\b${label}="([^"]*)"`, "gm");
  return new Set([...text.matchAll(re)].map((m) => m[1]!));
}

describe("HTTP metrics' cardinality", () => {
  it("label a replayed access log's concrete paths by their template, one series per template", async () => {
    const registry = new Registry();
    const m = new HttpMetrics(registry);
    for (let i = 0; i < 5000; i++) {
      m.sent();
      m.done(endpoint(`/api/users/${i}/orders`), 200, null, 0.01);
      m.sent();
      m.done(endpoint(`/api/items/${(i * 7919).toString(16).padStart(12, "0")}`, "POST"), 503, null, 0.02);
    }
    const text = await registry.metrics();
    expect(labelValues(text, "tracewalk_http_requests_total", "endpoint")).toEqual(
      new Set(["/api/users/{id}/orders", "/api/items/{id}"]),
    );
    expect(
      sample(
        text,
        'tracewalk_http_requests_total{endpoint="/api/users/{id}/orders",method="GET",status_class="2xx"}',
      ),
    ).toBe(5000);
    expect(sample(text, 'tracewalk_http_request_duration_seconds_count{endpoint="/api/items/{id}"}')).toBe(
      5000,
    );
    expect(sample(text, "tracewalk_http_endpoints_other_total")).toBe(0);
  });

  it("cap the distinct endpoint labels: the rest are counted under other, and how many", async () => {
    const registry = new Registry();
    const m = new HttpMetrics(registry, 50);
    // 300 fixed names (no id segment to template away), each requested twice.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) {
        m.sent();
        m.done(
          endpoint(`/pages/page-${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}x`),
          200,
          null,
          0.01,
        );
      }
    }
    const text = await registry.metrics();
    const labels = labelValues(text, "tracewalk_http_requests_total", "endpoint");
    expect(labels.size).toBe(51);
    expect(labels.has("other")).toBe(true);
    expect(labelValues(text, "tracewalk_http_request_duration_seconds_bucket", "endpoint").size).toBe(51);
    expect(
      sample(text, 'tracewalk_http_requests_total{endpoint="other",method="GET",status_class="2xx"}'),
    ).toBe(500);
    expect(sample(text, "tracewalk_http_endpoints_other_total")).toBe(500);
  });
});
