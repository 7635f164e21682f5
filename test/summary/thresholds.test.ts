import { describe, expect, it } from "vitest";
import { Histogram } from "../../src/summary/histogram.js";
import type { Series } from "../../src/summary/recorder.js";
import {
  evaluate,
  type Facts,
  parseThreshold,
  parseThresholdFlag,
  type Threshold,
} from "../../src/summary/thresholds.js";

function series(endpoint: string, status: number, values: number[]): Series {
  const hist = new Histogram();
  for (const v of values) hist.record(v);
  return { workflow: "shop", endpoint, method: "GET", status, hist, corrected: null };
}

/** Schedule lag of five batches (ms). */
const lag = new Histogram();
for (const v of [0, 0, 0.2, 4, 250]) lag.record(v);

const facts: Facts = {
  lag,
  series: [
    series("/api/cart", 200, [10, 20, 30, 40]),
    series("/api/cart", 503, [1000]),
    series("/api/home", 200, [5, 5, 5, 5, 5]),
  ],
  counters: { events_emitted: 10, events_undelivered: 0, arrivals_dropped: 2, arrivals_late: 0 },
  duration_s: 5,
};

function t(metric: string, expr: string): Threshold {
  const r = parseThreshold(metric, expr);
  if (typeof r === "string") throw new Error(r);
  return r;
}

describe("thresholds", () => {
  it("parses k6's syntax: percentiles, rates, counts, tag filters", () => {
    expect(t("http_req_duration", "p(95) < 500")).toMatchObject({
      name: "http_req_duration",
      aggregate: "p",
      p: 95,
      op: "<",
      value: 500,
    });
    expect(t("http_req_duration{endpoint:/api/products/{id},status_class:2xx}", "max<=1e3").filter).toEqual({
      endpoint: "/api/products/{id}",
      status_class: "2xx",
    });
    expect(parseThresholdFlag("http_req_failed{endpoint:/api/cart}: rate<0.01")).toMatchObject({
      metric: "http_req_failed{endpoint:/api/cart}",
      expression: "rate<0.01",
    });
  });

  it("names what is wrong: an unknown metric, tag or aggregate, a bad number", () => {
    expect(parseThreshold("http_req_latency", "p(95)<500")).toMatch(/unknown metric "http_req_latency"/);
    expect(parseThreshold("http_req_duration{route:/x}", "p(95)<500")).toMatch(
      /"route:\/x": expected tag:value/,
    );
    expect(parseThreshold("http_req_failed", "p(95)<1")).toMatch(/AGGREGATE one of rate for http_req_failed/);
    expect(parseThreshold("http_req_duration", "p(95)<fast")).toMatch(/"fast" is not a number/);
    expect(parseThreshold("events_undelivered{endpoint:/a}", "count==0")).toMatch(/has no tags/);
    expect(parseThresholdFlag("p(95)<500")).toMatch(/expected METRIC: CONDITION/);
  });

  it("evaluates on the matching series only", () => {
    const r = evaluate(
      [
        t("http_req_duration{endpoint:/api/cart}", "p(80)<40.5"),
        t("http_req_duration{endpoint:/api/cart}", "max<1000"),
        t("http_req_failed", "rate<0.05"),
        t("http_req_failed{status_class:5xx}", "rate==1"),
        t("http_reqs", "count==10"),
        t("http_reqs", "rate==2"),
        t("arrivals_dropped", "count==0"),
        t("http_req_duration{workflow:none}", "p(99)<1"),
      ],
      facts,
    );
    // Percentiles are read from a bin's middle: 40 ms within 0.4%.
    expect(Math.abs(r[0]!.value! - 40) / 40).toBeLessThan(1 / 256);
    expect(r.map((x, i) => [x.ok, i === 0 ? 40 : x.value])).toEqual([
      [true, 40],
      [false, 1000],
      [false, 0.1],
      [true, 1],
      [true, 10],
      [true, 2],
      [false, 2],
      [true, null], // no call matched: it holds, as in k6
    ]);
  });

  it("schedule_lag: a trend of the batches' lag (ms), without tags", () => {
    expect(t("schedule_lag", "p(95)<100")).toMatchObject({ name: "schedule_lag", aggregate: "p", p: 95 });
    expect(parseThreshold("schedule_lag{endpoint:/api/cart}", "max<1")).toBe(
      "schedule_lag has no tags to filter on",
    );
    expect(parseThreshold("schedule_lag", "rate<1")).toMatch(
      /AGGREGATE one of avg, min, max, med, count, p\(N\)/,
    );
    const r = evaluate(
      [
        t("schedule_lag", "max<250"),
        t("schedule_lag", "max<=250"),
        t("schedule_lag", "avg==50.84"),
        t("schedule_lag", "med==0.2"),
        t("schedule_lag", "count==5"),
        t("schedule_lag", "p(40)<1"),
        t("schedule_lag", "min>0"),
      ],
      facts,
    );
    expect(r.map((x) => [x.ok, x.value])).toEqual([
      [false, 250],
      [true, 250],
      [true, 50.84],
      [true, 0.2],
      [true, 5],
      [true, 0],
      [false, 0],
    ]);
    // No batch went out: no data, so it holds (as a filter that matches no call).
    const none = evaluate([t("schedule_lag", "max<0")], { ...facts, lag: new Histogram() });
    expect(none).toEqual([{ metric: "schedule_lag", expression: "max<0", value: null, ok: true }]);
  });
});
