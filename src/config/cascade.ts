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
    envoy_faults: z
      .boolean()
      .default(false)
      .describe(
        "HTTP mode: touched calls carry Envoy's fault-injection headers (x-envoy-fault-delay-request, x-envoy-fault-abort-request), so a target behind Envoy really suffers the window.",
      ),
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
