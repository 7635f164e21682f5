import { z } from "zod";
import { durationSchema } from "./duration.js";
import { stringList } from "./sinks.js";

/** A host as `allow_hosts` lists it: a name or an address, compared case-insensitively, without port. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

/** HTTP mode: every call is sent to `url` and completed by the real response. */
export const targetSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })
      .describe(
        "Base URL; each call's concrete path is appended to its path. Credentials in it (`https://user:password@host`) are sent as basic auth and never printed.",
      ),
    allow_hosts: stringList("host names")
      .min(1, { error: "expected at least one host: the hosts requests may go to" })
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
      .record(z.string(), z.string())
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
    dry_run: z.boolean().default(false).describe("Print each request on stderr instead of sending it."),
  })
  .superRefine((t, ctx) => {
    const host = hostOf(new URL(t.url));
    const allowed = t.allow_hosts.map((h) => h.toLowerCase());
    if (!allowed.includes(host)) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: `host "${host}" is not in target.allow_hosts (${t.allow_hosts.join(", ")}): add it there, or fix the url`,
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
