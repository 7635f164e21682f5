import { Pool } from "undici";
import type { TargetConfig } from "../config/target.js";
import type { HttpMethod } from "../event/index.js";
import { type ExchangeHandler, H1Pool } from "./h1-pool.js";
import { tlsConnector } from "./tls.js";

/** One call as it goes out: method, path with query, JSON body, and its own headers besides the target's. */
export interface OutgoingCall {
  method: HttpMethod;
  path: string;
  body: string | null;
  /** W3C trace context of the call (`target.trace_context`), or null. */
  traceparent: string | null;
  /** Headers an injector set on this call (Envoy's faults), or null. */
  injected: Record<string, string> | null;
}

/** How requests reach the target: sends each with its handler, closes every connection at the end. */
export interface Transport {
  send(call: OutgoingCall, h: ExchangeHandler): void;
  /** Closes the connections; requests in flight end with an error. */
  close(): Promise<void>;
}

const WITH_BODY: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH"]);

/** True for the methods whose calls carry a JSON body. */
export const hasBody = (m: HttpMethod): boolean => WITH_BODY.has(m);

const BAD_PATH = /[^\x21-\x7e]/;

/** A request's head lines for `headers` (each `name: value\r\n`). */
function lines(headers: Record<string, string>): string {
  let s = "";
  for (const k in headers) s += `${k}: ${headers[k]}\r\n`;
  return s;
}

/**
 * Plain HTTP with one request per connection in flight: H1Pool, the request written as one string
 * whose fixed part (host, keep-alive, the target's headers, the JSON content type) is built once.
 */
class H1Transport implements Transport {
  private readonly pool: H1Pool;
  /** `host` and `connection`, the start of every request's headers. */
  private readonly common: string;
  private readonly fixed: string;
  private readonly fixedBody: string;
  private readonly names: Set<string>;

  constructor(
    url: URL,
    private readonly target: TargetConfig,
  ) {
    this.pool = new H1Pool({ origin: url, connections: target.max_connections, timeoutMs: target.timeout });
    this.names = new Set(Object.keys(target.headers).map((k) => k.toLowerCase()));
    this.common = `host: ${url.host}\r\nconnection: keep-alive\r\n`;
    const own = { ...target.headers };
    this.fixed = this.common + lines(own);
    // A JSON body's content type wins over the target's (as the headers object did).
    for (const k of Object.keys(own)) if (k.toLowerCase() === "content-type") delete own[k];
    this.fixedBody = `${this.common + lines(own)}content-type: application/json\r\n`;
  }

  send(call: OutgoingCall, h: ExchangeHandler): void {
    if (BAD_PATH.test(call.path)) {
      h.onError(Object.assign(new Error("invalid request path"), { code: "TW_HTTP_PATH" }));
      return;
    }
    let head = `${call.method} ${call.path} HTTP/1.1\r\n`;
    const body = call.body;
    if (call.injected !== null && this.overrides(call.injected)) head += this.merged(call);
    else {
      head += body === null ? this.fixed : this.fixedBody;
      if (call.traceparent !== null) head += `traceparent: ${call.traceparent}\r\n`;
      if (call.injected !== null) head += lines(call.injected);
    }
    const text =
      body === null ? `${head}\r\n` : `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    this.pool.dispatch({ text }, h);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private overrides(injected: Record<string, string>): boolean {
    for (const k in injected) if (this.names.has(k.toLowerCase())) return true;
    return false;
  }

  /** The rare call whose injected headers replace some of the target's: one merged set. */
  private merged(call: OutgoingCall): string {
    const all: Record<string, string> = { ...this.target.headers };
    for (const k of Object.keys(call.injected!)) {
      for (const t of Object.keys(all)) if (t.toLowerCase() === k.toLowerCase()) delete all[t];
      all[k] = call.injected![k]!;
    }
    if (call.body !== null) all["content-type"] = "application/json";
    if (call.traceparent !== null) all.traceparent = call.traceparent;
    return this.common + lines(all);
  }
}

/** HTTPS, or pipelining: undici's pool, its headers merged into an object per request. */
class UndiciTransport implements Transport {
  private readonly pool: Pool;

  constructor(
    url: URL,
    private readonly target: TargetConfig,
  ) {
    this.pool = new Pool(url.origin, {
      connections: target.max_connections,
      pipelining: target.pipelining,
      headersTimeout: target.timeout,
      bodyTimeout: target.timeout,
      connectTimeout: target.timeout,
      ...(url.protocol === "https:" && { connect: tlsConnector(target, target.timeout) }),
    });
  }

  send(call: OutgoingCall, h: ExchangeHandler): void {
    const headers: Record<string, string> = { ...this.target.headers };
    if (call.body !== null) headers["content-type"] = "application/json";
    if (call.traceparent !== null) headers.traceparent = call.traceparent;
    if (call.injected !== null) Object.assign(headers, call.injected);
    this.pool.dispatch({ path: call.path, method: call.method, headers, body: call.body }, h);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/**
 * The target's transport: plain HTTP without pipelining goes through H1Pool (tracewalk's own
 * HTTP/1.1 client, the common case and the fast one); HTTPS and pipelining through undici's pool.
 */
export function transportFor(url: URL, target: TargetConfig): Transport {
  return url.protocol === "http:" && target.pipelining === 1
    ? new H1Transport(url, target)
    : new UndiciTransport(url, target);
}
