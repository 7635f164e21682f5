import { z } from "zod";
import { parseCron } from "./cron.js";
import { durationSchema } from "./duration.js";
import { stringList } from "./sinks.js";

const probability = (d: number, what: string) =>
  z.number().min(0).max(1).default(d).describe(`Share of touched calls that ${what} (times the severity).`);

/** A `[min, max]` pair with min <= max. */
function range<T extends z.ZodType<number, unknown>>(item: T, what: string) {
  return z
    .array(item, { error: `expected [min, max] ${what}` })
    .length(2, { error: `expected [min, max] ${what}` })
    .refine((p) => (p[0] as number) <= (p[1] as number), { error: "expected min <= max" })
    .transform((p) => p as unknown as [number, number]);
}

const effects = z
  .strictObject({
    slow: z
      .strictObject({
        probability: probability(0.6, "are slowed"),
        factor: range(z.number().min(1), "factors >= 1")
          .prefault([3, 10])
          .describe("The latency is multiplied by a factor drawn uniformly in [min, max]."),
      })
      .prefault({})
      .describe("Slowdown: latency times a factor."),
    timeout: z
      .strictObject({
        probability: probability(0.2, "time out"),
        after: durationSchema().prefault("30s").describe("Latency of a timed-out call."),
        status: z.number().int().min(100).max(599).default(504).describe("Status of a timed-out call."),
      })
      .prefault({})
      .describe("Timeout: the call ends with `status` after `after`."),
    unavailable: z
      .strictObject({
        probability: probability(0.15, "are refused"),
        status: z.number().int().min(100).max(599).default(503).describe("Status of a refused call."),
      })
      .prefault({})
      .describe("Unavailable: the call ends with `status` (exclusive with timeout)."),
    retry: z
      .strictObject({
        probability: probability(0.3, "are retried"),
        backoff: range(durationSchema(), "durations")
          .prefault(["200ms", "2s"])
          .describe("Pause before a retry, drawn uniformly in [min, max]."),
        max: z.number().int().min(0).default(3).describe("Most retries of one call."),
      })
      .prefault({})
      .describe("Retry storm: a touched call is followed by a retry (`is_retry: true`)."),
  })
  .superRefine((e, ctx) => {
    if (e.timeout.probability + e.unavailable.probability > 1 + 1e-9) {
      ctx.addIssue({
        code: "custom",
        path: ["unavailable", "probability"],
        message: "expected timeout.probability + unavailable.probability <= 1 (exclusive outcomes)",
      });
    }
  })
  .prefault({})
  .describe("What a window does to the calls it touches; set a probability to 0 to turn an effect off.");

const scope = z
  .strictObject({
    endpoints: stringList("globs")
      .optional()
      .describe("Endpoint globs (`*` matches any characters), e.g. `/api/payment*`; absent: all."),
    user_types: stringList("user types").optional().describe("User types touched; absent: all."),
    workflows: stringList("workflow names").optional().describe("Workflows touched; absent: all."),
    share: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe("Share of users in scope that a window touches (drawn per window and user)."),
  })
  .prefault({})
  .describe("Which calls a window touches: all conditions hold.");

const propagate = z
  .strictObject({
    to_callers: z.boolean().default(true).describe("Whether a window reaches the callers of its services."),
    delay: durationSchema()
      .prefault("1m")
      .describe("Virtual delay of each hop after the window it comes from."),
    damping: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Factor of the effect probabilities at each hop (compounding)."),
  })
  .describe(
    "Propagation along the workflows' `services` map: each window reaches the callers of the services its `scope.endpoints` match, hop by hop, each hop its own labelled window.",
  );

const TOXIC_TYPES = [
  "latency",
  "bandwidth",
  "slow_close",
  "timeout",
  "reset_peer",
  "slicer",
  "limit_data",
] as const;

/** A toxic in Toxiproxy's own shape (its HTTP API takes it as is, named after the window). */
const toxic = z
  .strictObject({
    type: z.enum(TOXIC_TYPES).describe("Toxiproxy toxic type, e.g. `latency`, `timeout`, `reset_peer`."),
    stream: z.enum(["upstream", "downstream"]).default("downstream").describe("Direction it acts on."),
    toxicity: z.number().min(0).max(1).default(1).describe("Share of connections it acts on."),
    attributes: z
      .record(z.string(), z.number())
      .default({})
      .describe("The type's attributes, e.g. `{ latency: 300, jitter: 50 }` (ms)."),
  })
  .describe("One Toxiproxy toxic.");

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" });

const NONE_OR_OBJECT = 'expected "none" or an object of client, envoy, toxiproxy, webhook';

const injectors = z
  .strictObject(
    {
      client: z
        .boolean()
        .default(false)
        .describe(
          "tracewalk itself does what a client can: retry storms (real re-sends after `retry.backoff`, up to `retry.max`) and client timeouts (the request is aborted at `timeout.after`, recorded as `error: timeout`).",
        ),
      envoy: z
        .boolean()
        .default(false)
        .describe(
          "Touched calls carry Envoy's fault headers (x-envoy-fault-delay-request, x-envoy-fault-abort-request), so an Envoy in front of the target delays or aborts them.",
        ),
      toxiproxy: z
        .strictObject({
          url: httpUrl.describe("Toxiproxy's API, e.g. `http://127.0.0.1:8474`."),
          proxy: z
            .string()
            .min(1)
            .describe("Name of the proxy the target's traffic goes through (must exist)."),
          toxics: z
            .array(toxic)
            .optional()
            .describe(
              "Toxics added while a window is open; absent: from the effects (`slow` -> latency, `timeout` -> timeout, `unavailable` -> reset_peer, toxicity = probability).",
            ),
        })
        .optional()
        .describe(
          "At a window's open, toxics named `<cascade_id>-<n>` are added to the proxy and removed at its close; every call through the proxy meanwhile carries the window's id.",
        ),
      webhook: z
        .strictObject({
          url: httpUrl.describe("Receives a POST of `{cascade_id, state, start, end, scope, effects}`."),
          headers: z
            .record(z.string(), z.string())
            .default({})
            .describe("Headers of the POST (secrets from the environment); never logged."),
        })
        .optional()
        .describe("An external fault injector told of each window's open and close."),
    },
    { error: (iss) => (iss.code === "invalid_type" ? NONE_OR_OBJECT : undefined) },
  )
  .refine((i) => i.client || i.envoy || i.toxiproxy !== undefined || i.webhook !== undefined, {
    error: 'expected at least one of client, envoy, toxiproxy, webhook (or inject: "none")',
  });

/** How a cascade's faults reach the target in HTTP mode, or `none` (announced only). */
export const injectSchema = z
  // The object first: a mistake inside it is reported at its own path (the problems take the first
  // of the branches that failed least).
  .union([injectors, z.literal("none")])
  .describe(
    'HTTP mode (required there, refused elsewhere): what really injects the window\'s faults — `client`, `envoy`, `toxiproxy`, `webhook` — or `"none"` (the window is announced only; no call carries its id).',
  );

/** A cascade's injectors, as configured. */
export type InjectConfig = Exclude<z.output<typeof injectSchema>, "none">;

const cron = z.string().superRefine((s, ctx) => {
  try {
    parseCron(s);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `invalid cron "${s}": ${(e as Error).message}` });
  }
});

/** One scheduled cascade: exactly one of `every`, `at` or `cron`. */
export const cascadeSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, { error: "expected letters, digits, '_', '.' or '-'" })
      .describe("Name of the cascade (unique); window n's id is `<name>-<n>`."),
    every: durationSchema()
      .refine((ms) => ms > 0, { error: "expected a period > 0" })
      .optional()
      .describe("Virtual period between windows, e.g. `30m`."),
    offset: durationSchema()
      .optional()
      .describe("Start of the first window after `clock.start`, with `every`; default: `every`."),
    at: z
      .array(durationSchema(), { error: "expected array of durations" })
      .min(1)
      .optional()
      .describe("Window starts as offsets from `clock.start`, e.g. `[10m, 2h30m]`."),
    cron: cron
      .optional()
      .describe('Window starts as a 5-field cron in UTC virtual time, e.g. `"*/30 * * * *"`.'),
    duration: durationSchema()
      .refine((ms) => ms > 0, { error: "expected a duration > 0" })
      .describe("Virtual length of each window, e.g. `5m`."),
    ramp: durationSchema()
      .prefault(0)
      .describe("Severity rises linearly over the first `ramp` and falls over the last; at most duration/2."),
    scope,
    effects,
    propagate: propagate.optional(),
    inject: injectSchema.optional(),
    envoy_faults: z
      .boolean()
      .default(false)
      .describe("Alias of `inject: { envoy: true }` (kept for older configs)."),
  })
  .superRefine((c, ctx) => {
    const given = (["every", "at", "cron"] as const).filter((k) => c[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `expected exactly one of every, at or cron${given.length ? ` (got ${given.join(", ")})` : ""}`,
      });
    }
    if (c.offset !== undefined && c.every === undefined) {
      ctx.addIssue({ code: "custom", path: ["offset"], message: "offset goes with every" });
    }
    if (c.ramp * 2 > c.duration) {
      ctx.addIssue({ code: "custom", path: ["ramp"], message: "expected ramp <= duration / 2" });
    }
  })
  .describe("A cascade failure injected on a schedule.");

/** The scheduled cascades; names are unique. */
export const cascadesSchema = z
  .array(cascadeSchema)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate cascade name "${c.name}"` });
      }
      seen.add(c.name);
    });
  })
  .prefault([])
  .describe(
    "Cascade failures on a schedule in virtual time (validated and planned; see Scheduled cascades).",
  );

/** A validated cascade; durations are milliseconds. */
export type CascadeConfig = z.output<typeof cascadeSchema>;

/** The cascade's injectors (`envoy_faults: true` counts as `inject: { envoy: true }`), `none`, or undefined. */
export function injectOf(c: CascadeConfig): InjectConfig | "none" | undefined {
  const i = c.inject;
  if (!c.envoy_faults) return i;
  if (i === undefined || i === "none") return { client: false, envoy: true };
  return { ...i, envoy: true };
}

/**
 * `inject` goes with HTTP mode: there (a target, not a dry run) every cascade must say how its faults
 * are injected; in emit mode (no target) none may, since the simulated outcome applies the effects.
 */
export function checkInjectMode(
  c: { target?: { dry_run: boolean } | undefined; cascades: readonly CascadeConfig[] },
  ctx: z.RefinementCtx,
): void {
  const http = c.target !== undefined && !c.target.dry_run;
  c.cascades.forEach((cascade, i) => {
    const given = cascade.inject !== undefined || cascade.envoy_faults;
    if (http && !given) {
      ctx.addIssue({
        code: "custom",
        path: ["cascades", i, "inject"],
        message:
          'required in HTTP mode: say what injects the faults (client, envoy, toxiproxy, webhook) or "none" to announce the window only',
      });
    } else if (c.target === undefined && given) {
      ctx.addIssue({
        code: "custom",
        path: ["cascades", i, cascade.inject !== undefined ? "inject" : "envoy_faults"],
        message: "only with a target (HTTP mode): without one the effects are simulated, not injected",
      });
    }
  });
}
