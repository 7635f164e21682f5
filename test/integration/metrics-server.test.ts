import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { Metrics } from "../../src/daemon/metrics.js";
import { type MetricsServer, startMetricsServer } from "../../src/daemon/server.js";
import { isTwError } from "../../src/errors.js";
import { populatedMetrics } from "../helpers/metrics.js";

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Omit<Parameters<typeof startMetricsServer>[0], "port">) {
  const server = await startMetricsServer({ port: 0, ...options });
  servers.push(server);
  return { server, base: `http://${server.address.host}:${server.address.port}` };
}

describe("metrics server", () => {
  it("serves /metrics in the Prometheus text format", async () => {
    const { server, base } = await start({ registry: populatedMetrics().registry });
    expect(server.address.host).toBe("127.0.0.1");
    expect(server.address.port).toBeGreaterThan(0);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('tracewalk_events_emitted_total{sink="test"} 123');
  });

  it("/healthz is 200 ok while alive", async () => {
    const { base } = await start({ registry: new Registry() });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
  });

  it("/readyz follows isReady and names the sinks not ready", async () => {
    const metrics = new Metrics(
      new Registry(),
      { sinks: ["kafka", "file"], workflows: ["w"] },
      { defaultMetrics: false },
    );
    const { base } = await start({ registry: metrics.registry, isReady: () => metrics.readiness() });
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(503);
    expect(before.headers.get("content-type")).toBe("application/json");
    expect(await before.json()).toEqual({ status: "not ready", sinks_not_ready: ["kafka", "file"] });
    metrics.sink("file").ready(true);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
      status: "not ready",
      sinks_not_ready: ["kafka"],
    });
    metrics.sink("kafka").ready(true);
    const after = await fetch(`${base}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe("ok\n");
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    expect(metricsText).toContain('tracewalk_sink_ready{sink="kafka"} 1');
  });

  it("accepts a boolean (or async) isReady", async () => {
    let ready = false;
    const { base } = await start({ registry: new Registry(), isReady: async () => ready });
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it("answers 404 for other paths, 405 for other methods, and HEAD without a body", async () => {
    const { base } = await start({ registry: new Registry() });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(`${base}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("close ends keep-alive connections, and is safe twice", async () => {
    const { server, base } = await start({ registry: new Registry() });
    // fetch (undici) keeps the connection alive after this response.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const t0 = Date.now();
    await server.close();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it("a port in use is a TwError naming the address", async () => {
    const { server } = await start({ registry: new Registry() });
    const err = await startMetricsServer({ port: server.address.port, registry: new Registry() }).catch(
      (e) => e,
    );
    expect(isTwError(err)).toBe(true);
    expect((err as Error).message).toBe(
      `metrics server cannot listen on 127.0.0.1:${server.address.port}: EADDRINUSE`,
    );
  });
});
