import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prometheusAlerts } from "../../src/analysis/index.js";

// The reader's own logic (chunks of at most 10,000 steps, onsets per label set, runs that cross a
// chunk's edge) against a loopback server answering as Prometheus' HTTP API does, with series whose
// every sample the test knows. test/integration/score-prometheus.test.ts runs a real Prometheus.

const S = 1000;
/** Firing runs in seconds, [from, to] inclusive, per label set. */
const RUNS: Record<string, [number, number][]> = {
  a: [
    [100, 200],
    [9_990, 10_020], // crosses the first chunk's end (10,000 steps of 1s from 0)
    [20_000, 20_000],
  ],
  b: [[150, 160]],
};

const queries: URLSearchParams[] = [];
let server: Server;
let url: string;

function matrix(start: number, end: number, step: number) {
  return Object.entries(RUNS).map(([instance, runs]) => {
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += step) {
      if (runs.some(([from, to]) => t >= from && t <= to)) values.push([t, "1"]);
    }
    return { metric: { __name__: "ALERTS", alertname: "Drill", alertstate: "firing", instance }, values };
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    res.setHeader("content-type", "application/json");
    if (u.pathname === "/prom/api/v1/rules") {
      res.end(
        JSON.stringify({
          status: "success",
          data: { groups: [{ rules: [{ type: "alerting", name: "Drill" }] }] },
        }),
      );
    } else if (u.pathname === "/prom/api/v1/query_range") {
      queries.push(u.searchParams);
      const [start, end, step] = ["start", "end", "step"].map((k) => Number(u.searchParams.get(k)));
      const result = matrix(start!, end!, step!).filter((s) => s.values.length > 0);
      res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result } }));
    } else {
      res.statusCode = 404;
      res.end("not found");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("prometheusAlerts", () => {
  it("reads a long span in chunks and finds each run's onset once, per label set", async () => {
    queries.length = 0;
    const onsets = await prometheusAlerts({
      url,
      alert: "Drill",
      start: 0,
      end: 25_000 * S,
      stepMs: S,
      timeoutMs: 5 * S,
    });
    expect(onsets).toEqual([100 * S, 150 * S, 9_990 * S, 20_000 * S]);
    // Three requests, none over Prometheus' 11,000 points, covering the span without overlap.
    expect(queries.map((q) => [q.get("start"), q.get("end")])).toEqual([
      ["0", "10000"],
      ["10001", "20001"],
      ["20002", "25000"],
    ]);
    expect(queries[0]!.get("query")).toBe('ALERTS{alertname="Drill",alertstate="firing"}');
  });

  it("counts a run already going at the span's start at the start", async () => {
    const onsets = await prometheusAlerts({
      url,
      alert: "Drill",
      start: 120 * S,
      end: 300 * S,
      stepMs: S,
      timeoutMs: 5 * S,
    });
    expect(onsets).toEqual([120 * S, 150 * S]);
  });

  it("names a path that is no Prometheus API (exit 2)", async () => {
    const wrong = url.replace(/\/prom$/, "/other");
    await expect(
      prometheusAlerts({ url: wrong, alert: "Drill", start: 0, end: S, stepMs: S, timeoutMs: 5 * S }),
    ).rejects.toMatchObject({
      code: "TW_ARGS_INVALID",
      message: expect.stringContaining("not a Prometheus HTTP API"),
    });
  });
});
