import { z } from "zod";
import { durationSchema } from "./duration.js";
import { tlsProblems } from "./tls.js";

/** A host as `allow_hosts` lists it: a name or an address, compared case-insensitively, without port. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

const NO_ALLOW_HOSTS =
  "required with a target: the hosts requests may go to (--allow-host HOST, or target.allow_hosts in the config)";

function isHttpUrl(text: unknown): text is string {
  if (typeof text !== "string" || !URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

/**
 * Why a url was refused; a host:port without its scheme is the usual slip, so it gets the fix. The
 * input is echoed only when it cannot hold a secret (no userinfo, no query).
 */
function urlProblem(input: unknown): string {
  const expected = "expected an http:// or https:// URL";
  if (typeof input !== "string") return expected;
  const shown = /[@?#]/.test(input) ? undefined : input;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    const fix = shown === undefined ? "" : ` (e.g. http://${shown})`;
    return `${expected}: the scheme is missing${fix}`;
  }
  return shown === undefined ? expected : `${expected}, got "${shown}"`;
}

/** HTTP mode: every call is sent to `url` and completed by the real response. */
export const targetSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: (iss) => urlProblem(iss.input) })
      .describe(
        "Base URL; each call's concrete path is appended to its path. Credentials in it (`https://user:password@host`) are sent as basic auth and never printed.",
      ),
    allow_hosts: z
      .array(z.string().min(1, { error: "expected a non-empty string" }), {
        error: (iss) => (iss.input === undefined ? NO_ALLOW_HOSTS : "expected array of host names"),
      })
      .min(1, { error: NO_ALLOW_HOSTS })
      .describe("Required: the only hosts requests may go to; a url or redirect elsewhere is refused."),
    max_connections: z.number().int().min(1).default(64).describe("Most connections to the target at once."),
    pipelining: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe("Requests in flight per connection (1: no HTTP pipelining)."),
    timeout: durationSchema()
      .prefault("10s")
      .describe("A request with no complete response after this long ends as an error of kind `timeout`."),
    headers: z
      .record(
        z
          .string()
          .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: "expected a header name (an HTTP token)" }),
        z.string().regex(/^[^\r\n\0]*$/, { error: "expected a header value without line breaks" }),
      )
      .default({})
      .describe(
        "Headers on every request, from the environment for secrets (`Authorization: Bearer $" +
          "{STAGING_TOKEN}`); never logged.",
      ),
    rate_limit: z
      .number()
      .positive()
      .optional()
      .describe(
        "Hard cap, requests per second: calls wait for it; in the open model, arrivals over it are dropped.",
      ),
    trace_context: z
      .boolean()
      .default(false)
      .describe(
        "Send a W3C `traceparent` on each request: the session's trace id, the call's CLIENT span as parent (the ids an `otlp` sink exports).",
      ),
    dry_run: z.boolean().default(false).describe("Print each request on stderr instead of sending it."),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe(
        "https: the CA certificate(s) the target's certificate must chain to, a PEM file (default: the system's CAs).",
      ),
    cert: z
      .string()
      .min(1)
      .optional()
      .describe("https, mutual TLS: the client certificate, a PEM file (or the PEM itself); with `key`."),
    key: z
      .string()
      .min(1)
      .optional()
      .describe(
        "https, mutual TLS: the client's private key, a PEM file or the PEM itself from the environment (`$" +
          "{TARGET_KEY}`); never logged.",
      ),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe("https: the server name sent (SNI) and checked in the certificate, when not the url's host."),
    insecure_skip_verify: z
      .boolean()
      .default(false)
      .describe(
        "https: accept any certificate, unverified (warned loudly at start); a throwaway staging only.",
      ),
  })
  .superRefine((t, ctx) => {
    if (isHttpUrl(t.url)) {
      for (const [field, message] of tlsProblems(t)) ctx.addIssue({ code: "custom", path: [field], message });
    }
    // A url already refused by its own check has no host to compare.
    if (!isHttpUrl(t.url)) return;
    const host = hostOf(new URL(t.url));
    const allowed = t.allow_hosts.map((h) => h.toLowerCase());
    if (!allowed.includes(host)) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: `host "${host}" is not in target.allow_hosts (${t.allow_hosts.join(", ")}): add it there (or --allow-host ${host}), or fix the url`,
      });
    }
  })
  .transform(basicAuthFromUrl)
  .describe("HTTP mode: fire each call at a staging target and record the real response.");

/**
 * Credentials in the URL (`http://user:password@host`) are sent as HTTP basic auth: they leave the
 * URL (which is logged, printed and shown) for an `Authorization` header (whose value never is).
 * With an `Authorization` header given as well, the config is refused, in words that echo neither.
 */
function basicAuthFromUrl<T extends { url: string; headers: Record<string, string> }>(
  t: T,
  ctx: z.RefinementCtx,
): T {
  const url = new URL(t.url);
  if (url.username === "" && url.password === "") return t;
  if (Object.keys(t.headers).some((h) => h.toLowerCase() === "authorization")) {
    ctx.addIssue({
      code: "custom",
      path: ["url"],
      message:
        "the url carries credentials (user:password@) and target.headers sets Authorization as well: keep one",
    });
    return t;
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const basic = Buffer.from(`${decode(url.username)}:${decode(url.password)}`).toString("base64");
  url.username = "";
  url.password = "";
  return { ...t, url: url.toString(), headers: { ...t.headers, Authorization: `Basic ${basic}` } };
}

export type TargetConfig = z.output<typeof targetSchema>;
