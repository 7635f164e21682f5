// A real OpenTelemetry Collector on loopback (built by scripts/otelcol/build.sh): it receives OTLP/HTTP
// and forwards what it accepted, with its otlphttp exporter in JSON, to a small receiver here, from
// which a test reads the spans back. No queue and no retry in the collector, so an export the sink saw
// accepted has already reached the receiver.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { join } from "node:path";
import { waitFor } from "./cli.js";
import { freePort } from "./http-target.js";

const BUILD = new URL("../../scripts/otelcol/build.sh", import.meta.url).pathname;

export interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

export interface ForwardedSpan extends JsonSpan {
  /** The resource's attributes, flattened. */
  resource: Record<string, unknown>;
}

export interface Collector {
  /** Base URL of its OTLP/HTTP receiver, for a sink's `endpoint`. */
  endpoint: string;
  /** Every span the collector forwarded so far. */
  spans: ForwardedSpan[];
  close(): Promise<void>;
}

/** The collector binary, built (or found in the cache) by the project's script. */
export function collectorBinary(): string {
  const r = spawnSync("bash", [BUILD], { encoding: "utf8", timeout: 20 * 60_000 });
  if (r.status !== 0) throw new Error(`scripts/otelcol/build.sh failed:\n${r.stderr}`);
  return r.stdout.trim();
}

/** An attribute's value as JSON gives it (`intValue` is a string there; a string list as an array). */
export function attrOf(attrs: JsonSpan["attributes"], key: string): unknown {
  const v = attrs?.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  if ("intValue" in v) return Number(v.intValue);
  if ("arrayValue" in v) {
    const values = (v.arrayValue as { values?: { stringValue: string }[] }).values ?? [];
    return values.map((x) => x.stringValue);
  }
  return Object.values(v)[0];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function forwardReceiver(spans: ForwardedSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      for (const rs of body.resourceSpans ?? []) {
        const resource: Record<string, unknown> = {};
        for (const a of rs.resource?.attributes ?? []) resource[a.key] = attrOf([a], a.key);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, resource });
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

/** Starts a collector on a free loopback port, forwarding to a receiver of this process; `dir` holds its config. */
export async function startCollector(dir: string): Promise<Collector> {
  const bin = collectorBinary();
  const spans: ForwardedSpan[] = [];
  const server = await forwardReceiver(spans);
  const forward = (server.address() as AddressInfo).port;
  const port = await freePort();
  const config = join(dir, `otelcol-${port}.yaml`);
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${port}" }
exporters:
  otlphttp:
    endpoint: "http://127.0.0.1:${forward}"
    encoding: json
    compression: none
    retry_on_failure: { enabled: false }
    sending_queue: { enabled: false }
  debug: { verbosity: basic }
service:
  telemetry:
    metrics: { level: none }
    logs: { level: warn }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp, debug] }
`,
  );
  let log = "";
  const child: ChildProcess = spawn(bin, ["--config", config], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (c: Buffer) => (log += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  let up = false;
  try {
    await waitFor(
      "the collector's OTLP/HTTP port",
      () => {
        if (child.exitCode !== null) throw new Error(`the collector exited:\n${log}`);
        void portOpen(port).then((ok) => (up ||= ok));
        return up;
      },
      30_000,
    );
  } catch (err) {
    child.kill("SIGKILL");
    server.close();
    throw err;
  }
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { endpoint: `http://127.0.0.1:${port}`, spans, close };
}
