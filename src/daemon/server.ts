import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { ErrorCode, TwError } from "../errors.js";
import type { ControlHandler } from "./control.js";
import type { Readiness } from "./metrics.js";

export interface MetricsServerOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 picks a free one. */
  port: number;
  registry: Registry;
  /** Readiness for /readyz: `true`, or the sinks that are not ready yet. Absent means always ready. */
  isReady?: () => boolean | Readiness | Promise<boolean | Readiness>;
  /** The control API under `/control/` (GET and POST); absent means off (404). */
  control?: ControlHandler;
  /** `GET /`: the live page (HTML of the run so far); absent means off (404). */
  ui?: () => Promise<string>;
}

export interface MetricsServer {
  /** Where the server listens (the real port when 0 was asked for). */
  readonly address: { host: string; port: number };
  /** Stops listening and ends every open connection, keep-alive ones included; safe to call twice. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

async function readiness(isReady: MetricsServerOptions["isReady"]): Promise<Readiness> {
  if (!isReady) return { ready: true, notReady: [] };
  const r = await isReady();
  return typeof r === "boolean" ? { ready: r, notReady: [] } : r;
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsServerOptions,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0]!;
  if (path.startsWith("/control/")) {
    if (options.control) return options.control(req, res, path);
    send(res, 404, "text/plain; charset=utf-8", "the control API is off: set control.token\n");
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
    return;
  }
  switch (path) {
    case "/":
      if (!options.ui) break;
      send(res, 200, "text/html; charset=utf-8", await options.ui());
      return;
    case "/metrics":
      send(res, 200, options.registry.contentType, await options.registry.metrics());
      return;
    case "/healthz":
      send(res, 200, "text/plain; charset=utf-8", "ok\n");
      return;
    case "/readyz": {
      const r = await readiness(options.isReady);
      if (r.ready) send(res, 200, "text/plain; charset=utf-8", "ok\n");
      else
        send(
          res,
          503,
          "application/json",
          `${JSON.stringify({ status: "not ready", sinks_not_ready: r.notReady })}\n`,
        );
      return;
    }
  }
  send(res, 404, "text/plain; charset=utf-8", "not found: try /metrics, /healthz or /readyz\n");
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new TwError(
          ErrorCode.INTERNAL,
          `metrics server cannot listen on ${host}:${port}: ${err.code ?? err.message}`,
          {
            cause: err,
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Serves /metrics (Prometheus text), /healthz and /readyz on one small HTTP server. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    route(req, res, options).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `error: ${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  // Longer than usual scrape intervals, so Prometheus reuses its connection; close() ends them all anyway.
  server.keepAliveTimeout = 65_000;
  const info = await listen(server, host, options.port);
  let closing: Promise<void> | undefined;
  return {
    address: { host: info.address, port: info.port },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
