import type { HttpErrorKind } from "../event/index.js";

const TIMEOUT = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
  "TW_HTTP_TIMEOUT", // h1-pool: no response head or body byte within target.timeout
]);
// TW_HTTP_CLOSED: h1-pool, the target closed the connection before the response's end.
const RESET = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "ECONNABORTED", "TW_HTTP_CLOSED"]);
const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]);
const TLS = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

function codes(err: unknown): string[] {
  const out: string[] = [];
  // undici wraps the socket's error as `cause`; a connect failure may be an AggregateError (IPv4 and IPv6).
  for (
    let e = err as { code?: unknown; cause?: unknown; errors?: unknown } | undefined, n = 0;
    e && n < 5;
    n++
  ) {
    if (typeof e.code === "string") out.push(e.code);
    if (Array.isArray(e.errors)) for (const inner of e.errors) out.push(...codes(inner));
    e = e.cause as typeof e;
  }
  return out;
}

/** The kind of a request's network failure, as an HTTP-mode event's `error` names it. */
export function errorKind(err: unknown): HttpErrorKind {
  const all = codes(err);
  if (all.some((c) => TIMEOUT.has(c))) return "timeout";
  if (all.includes("ECONNREFUSED")) return "refused";
  if (all.some((c) => DNS.has(c))) return "dns";
  if (all.some((c) => TLS.test(c))) return "tls";
  if (all.some((c) => RESET.has(c))) return "reset";
  return "other";
}
