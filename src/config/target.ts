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
      .describe("Base URL; each call's concrete path is appended to its path."),
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
    trace_context: z
      .boolean()
      .default(false)
      .describe(
        "Send a W3C `traceparent` on each request: the session's trace id, the call's CLIENT span as parent (the ids an `otlp` sink exports).",
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
  .describe("HTTP mode: fire each call at a staging target and record the real response.");

export type TargetConfig = z.output<typeof targetSchema>;
