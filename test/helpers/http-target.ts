// A real HTTP server on loopback for target-mode tests: it records every request it receives and
// answers as the test tells it (status, delay, reset, hang, redirect). close() destroys every socket
// and clears every timer, so a test that forgets a hanging request still ends.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request as the server received it. */
export interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Date.now() when the request's head arrived (before its body was read). */
  at: number;
}

/** How the server answers one request. */
export type Behavior =
  | { status?: number; delayMs?: number; body?: string; headers?: Record<string, string> }
  | "reset"
  | "hang"
  | { redirect: string; status?: 301 | 302 | 307 | 308 };

export interface Target {
  /** Base URL, `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  /** Every request received, in arrival order of complete bodies. */
  received: Received[];
  /** The most connections that were open at once since the start. */
  peakConnections(): number;
  /** Stops listening, clears pending delays, destroys every open socket; safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_BODY = '{"ok":true}';

/**
 * How much sooner than its delay a server's `setTimeout` may fire, measured by the client's
 * `performance.now()`. libuv keeps its loop clock in whole milliseconds (truncated): a timer armed at
 * real time t.9 is stamped t and fires once the loop clock reads t + delay, so as little as delay - 1
 * real milliseconds may have passed (strictly more than delay - 1). The client's measurement adds the
 * transfer, never subtracts; rounded to 0.1 ms, a latency is thus >= `delayMs - TIMER_SLACK_MS`.
 */
export const TIMER_SLACK_MS = 1;
const LOOPBACK = "127.0.0.1";

/** Starts a server on 127.0.0.1, port 0; `respond` chooses each answer (default: 200, `{"ok":true}`). */
export async function startTarget(respond: (r: Received) => Behavior = () => ({})): Promise<Target> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = toReceived(req, Buffer.concat(chunks).toString("utf8"), at);
      received.push(r);
      answer(res, choose(respond, r), timers);
    });
  });
  let peak = 0;
  server.on("connection", (s) => {
    sockets.add(s);
    peak = Math.max(peak, sockets.size);
    s.on("close", () => sockets.delete(s));
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shutdown(server, sockets, timers);
    return closing;
  };
  return { url: `http://${LOOPBACK}:${port}`, port, received, peakConnections: () => peak, close };
}

/** A loopback port with nothing listening on it a moment ago (for "connection refused"). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function toReceived(req: IncomingMessage, body: string, at: number): Received {
  const url = new URL(req.url ?? "/", `http://${LOOPBACK}`);
  return {
    method: req.method ?? "",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...req.headers },
    body,
    at,
  };
}

// A respond function that throws must fail the test visibly, not leave the client waiting.
function choose(respond: (r: Received) => Behavior, r: Received): Behavior {
  try {
    return respond(r);
  } catch (err) {
    return { status: 500, body: `respond threw: ${String(err)}`, headers: { "content-type": "text/plain" } };
  }
}

function answer(res: ServerResponse, b: Behavior, timers: Set<NodeJS.Timeout>): void {
  if (b === "hang") return;
  if (b === "reset") {
    // An RST, not a FIN: what a crashed proxy or a killed upstream looks like to the client.
    res.socket?.resetAndDestroy();
    return;
  }
  if ("redirect" in b) {
    res.writeHead(b.status ?? 302, { location: b.redirect, "content-length": "0" }).end();
    return;
  }
  const send = () => {
    const body = b.body ?? DEFAULT_BODY;
    const headers = { "content-type": "application/json", ...b.headers };
    res.writeHead(b.status ?? 200, headers).end(body);
  };
  if (!b.delayMs) {
    send();
    return;
  }
  const t = setTimeout(() => {
    timers.delete(t);
    send();
  }, b.delayMs);
  timers.add(t);
}

async function shutdown(server: Server, sockets: Set<Socket>, timers: Set<NodeJS.Timeout>): Promise<void> {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const s of sockets) s.destroy();
  await closed;
}
