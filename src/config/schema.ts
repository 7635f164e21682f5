import { z } from "zod";
import { thresholdsSchema } from "../summary/thresholds-schema.js";
import { cascadesSchema, checkInjectMode } from "./cascade.js";
import { DEFAULT_MAX_LENGTH, DEFAULT_SEED, DEFAULT_START } from "./defaults.js";
import { durationSchema } from "./duration.js";
import { DEFAULT_EVENTS_PATH, defaultLabelsPath } from "./paths.js";
import { type SinkConfigParsed, sinkSchema } from "./sinks.js";
import { targetSchema } from "./target.js";

const workflowRef = z
  .strictObject({
    preset: z.string().min(1).optional().describe("A built-in workflow by name (see `tracewalk presets`)."),
    file: z.string().min(1).optional().describe("A workflow YAML file, relative to the working directory."),
    weight: z.number().positive().default(1).describe("Relative share of users walking this workflow."),
  })
  .superRefine((w, ctx) => {
    if ((w.preset === undefined) === (w.file === undefined)) {
      ctx.addIssue({ code: "custom", message: "expected exactly one of preset or file" });
    }
  })
  .describe("One workflow and its share of users.");

const stage = z
  .strictObject({
    duration: durationSchema().describe("Virtual length of the stage."),
    target: z
      .number()
      .nonnegative()
      .describe("Arrival rate (users per virtual second) reached at the stage's end."),
  })
  .describe("A ramp: the rate moves linearly to `target` over `duration`.");

const openLoad = z
  .strictObject({
    model: z.literal("open").default("open").describe("Open model: users arrive at a rate (Poisson)."),
    arrival_rate: z.number().nonnegative().default(5).describe("Users arriving per virtual second."),
    stages: z
      .array(stage)
      .prefault([])
      .describe("Ramp stages after which the last target holds; empty means a constant `arrival_rate`."),
    daily_curve: z
      .array(z.number().nonnegative())
      .length(24, { error: "expected 24 hourly multipliers" })
      .optional()
      .describe("24 multipliers of the rate, one per virtual UTC hour; absent means flat."),
    sessions_per_user: z
      .strictObject({
        mean: z.number().min(1).default(1).describe("Mean sessions per user."),
        std: z.number().nonnegative().default(0).describe("Standard deviation of sessions per user."),
      })
      .prefault({})
      .describe("How many sessions an arriving user runs (normal, rounded, at least 1)."),
    session_gap: durationSchema()
      .prefault("30m")
      .describe(
        "Virtual pause between a user's sessions (HTTP mode: real, divided by the speed; none at `max`).",
      ),
  })
  .describe("Open load model.");

const closedLoad = z
  .strictObject({
    model: z
      .literal("closed")
      .describe("Closed model: a fixed number of concurrent users, each looping sessions."),
    users: z.number().int().positive().default(10).describe("Concurrent users."),
    pause: durationSchema()
      .prefault("5s")
      .describe(
        "Virtual pause between a user's sessions (HTTP mode: real, divided by the speed; none at `max`).",
      ),
  })
  .describe("Closed load model.");

const load = z
  .discriminatedUnion("model", [openLoad, closedLoad], {
    error: (iss) => (iss.code === "invalid_union" ? "expected model to be open or closed" : undefined),
  })
  .prefault({})
  .describe("How users arrive: `open` (a rate) or `closed` (a fixed population).");

const isoInstant = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)),
    {
      error: "expected an ISO-8601 instant such as 2026-01-01T00:00:00Z",
    },
  );

const SPEED_ERROR = 'expected a number > 0 or "max"';

const clock = z
  .strictObject({
    speed: z
      .union([z.number({ error: SPEED_ERROR }).positive(), z.literal("max", { error: SPEED_ERROR })])
      .default(60)
      .describe(
        "Virtual seconds per wall second: `1` real time, `60`, or `max` (as fast as sinks accept). HTTP mode runs in real time and divides the users' waits by it instead (think times, `pause`, `session_gap`): `max` leaves none but the responses.",
      ),
    start: isoInstant.default(DEFAULT_START).describe("Virtual start instant (ISO-8601)."),
    duration: durationSchema()
      .optional()
      .describe("Virtual length of the run, e.g. `24h`; absent means until stopped."),
  })
  .prefault({})
  .describe("Virtual clock.");

const metrics = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Serve /metrics, /healthz and /readyz."),
    host: z.string().min(1).default("127.0.0.1").describe("Listen address; `0.0.0.0` to expose it."),
    port: z.number().int().min(0).max(65_535).default(9464).describe("Listen port; 0 picks a free one."),
    max_endpoints: z
      .number()
      .int()
      .min(1)
      .default(200)
      .describe(
        "HTTP mode: most distinct `endpoint` labels (templates) on the HTTP metrics; requests of the others are counted under `other` and in `tracewalk_http_endpoints_other_total`.",
      ),
    ui: z
      .boolean()
      .default(false)
      .describe("Serve `GET /`: the report's charts of the run so far, refreshed every 5 s."),
  })
  .prefault({})
  .describe("Prometheus metrics and health server.");

const control = z
  .strictObject({
    token: z
      .string()
      .min(16, {
        error:
          "expected at least 16 characters; write `$" + "{TRACEWALK_CONTROL_TOKEN}` and set the variable",
      })
      .describe(
        "Bearer token that every control request must carry; write `$" +
          "{TRACEWALK_CONTROL_TOKEN}`, never the secret itself.",
      ),
  })
  .optional()
  .describe(
    "Control API on the metrics server (`/control/status`, `/control/pause`, `/control/resume`, `/control/load`); off without it.",
  );

const log = z
  .strictObject({
    level: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info")
      .describe("Log level."),
    pretty: z
      .boolean()
      .optional()
      .describe("Human-readable logs instead of JSON lines; default: pretty when stderr is a terminal."),
  })
  .prefault({})
  .describe("Logging (pino, to stderr).");

const thinkTime = z
  .strictObject({
    min_s: z.number().nonnegative().default(1).describe("Shortest pause between calls, virtual seconds."),
    max_s: z.number().nonnegative().default(5).describe("Longest ordinary pause between calls."),
    long_probability: z.number().min(0).max(1).default(0.1).describe("Chance that a pause is a long one."),
    long_min_s: z.number().nonnegative().default(10).describe("Shortest long pause."),
    long_max_s: z.number().nonnegative().default(30).describe("Longest long pause."),
  })
  .superRefine((t, ctx) => {
    if (t.min_s > t.max_s)
      ctx.addIssue({ code: "custom", path: ["max_s"], message: "expected max_s >= min_s" });
    if (t.long_min_s > t.long_max_s) {
      ctx.addIssue({ code: "custom", path: ["long_max_s"], message: "expected long_max_s >= long_min_s" });
    }
  })
  .prefault({})
  .describe(
    "Think time between calls of a session (uniform, sometimes long); virtual, so at `max` speed it costs no wall time (HTTP mode: divided by the speed, none at `max`).",
  );

const generation = z
  .strictObject({
    max_length: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_MAX_LENGTH)
      .describe("A session is cut after this many calls (retries not counted)."),
    think_time: thinkTime,
    cascade_rate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        "Fraction of sessions that get a cascade in their second half (slowdowns, timeouts, 503s, retries).",
      ),
  })
  .prefault({})
  .describe("Rules of session generation.");

const shard = z
  .string()
  .regex(/^(\d+|auto)\/\d+$/, { error: 'expected "k/N" or "auto/N", e.g. "0/4"' })
  .transform((s, ctx) => {
    const [k, n] = s.split("/") as [string, string];
    // loadConfig resolves auto/N from the environment before this schema (config/shard.ts).
    if (k === "auto")
      ctx.addIssue({ code: "custom", message: '"auto/N" is resolved only when a config is loaded' });
    return { index: Number(k), count: Number(n) };
  })
  .refine((s) => s.count >= 1 && s.index < s.count, { error: "expected 0 <= k < N" });

/** The config file's schema before derived values (sink names, label streams) are filled in. */
export const baseConfigSchema = z
  .strictObject({
    seed: z.number().int().nonnegative().default(DEFAULT_SEED).describe("Seed of every random stream."),
    workflows: z
      .array(workflowRef)
      .min(1, { error: "expected at least one workflow" })
      .default([{ preset: "ecommerce", weight: 1 }])
      .describe("Workflows walked by users, by weight."),
    load,
    clock,
    sinks: z
      .array(sinkSchema)
      .prefault([{ type: "file", path: DEFAULT_EVENTS_PATH }])
      .describe("Where events go; each one gets every event. With a target, `[]` keeps no trace."),
    target: targetSchema.optional(),
    cascades: cascadesSchema,
    metrics,
    control,
    log,
    generation,
    thresholds: thresholdsSchema,
    drain_timeout: durationSchema()
      .prefault("8s")
      .describe(
        "Bound of the whole shutdown after SIGTERM/SIGINT: sessions in flight get half of it, then are cut; sinks flush until it ends, then what they hold is dropped, counted, and the exit status is 3. The default fits `docker stop`'s 10 s.",
      ),
    delivery_timeout: durationSchema()
      .prefault("2m")
      .describe(
        "An event a sink accepted and has not delivered within it (a broker that stopped answering) is lost: the run ends, what the stuck sinks hold is dropped and counted (the sinks that kept up get at most as long again to flush), and the exit status is 3. Holds in every state: running, flushing at the end of `duration`, draining after a signal. Like Kafka's `delivery.timeout.ms`.",
      ),
    shard: shard
      .prefault("0/1")
      .describe(
        'This process runs the users whose index is k mod N ("k/N"). "auto/N": k is this replica\'s index, from JOB_COMPLETION_INDEX (indexed Job), POD_INDEX or a HOSTNAME ending in -k (StatefulSet).',
      ),
  })
  .describe("tracewalk configuration.");

type BaseConfig = z.output<typeof baseConfigSchema>;

type WithDerived<S> = S extends { type: "kafka" }
  ? S & { labels_topic: string }
  : S extends { type: "file" | "parquet" }
    ? S & { labels_path: string }
    : S;

/** A sink after loading: its name is always set, and kafka/file sinks know where labels go. */
export type SinkConfig = WithDerived<SinkConfigParsed> & { name: string };

/** Fills the values derived from others, so that consumers never repeat the rule. */
function derive(c: BaseConfig, ctx: z.RefinementCtx) {
  checkInjectMode(c, ctx);
  if (c.sinks.length === 0 && c.target === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["sinks"],
      message: "expected at least one sink (none only with a target)",
    });
  }
  const counts = new Map<string, number>();
  for (const s of c.sinks) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  const sinks = c.sinks.map((s, i): SinkConfig => {
    const name = s.name ?? ((counts.get(s.type) ?? 0) > 1 ? `${s.type}-${i}` : s.type);
    if (s.type === "kafka") return { ...s, name, labels_topic: s.labels_topic ?? `${s.topic}.labels` };
    if (s.type === "file" || s.type === "parquet") {
      return { ...s, name, labels_path: s.labels_path ?? defaultLabelsPath(s.path) };
    }
    return { ...s, name };
  });
  const seen = new Set<string>();
  sinks.forEach((s, i) => {
    if (seen.has(s.name))
      ctx.addIssue({
        code: "custom",
        path: ["sinks", i, "name"],
        message: `duplicate sink name "${s.name}"`,
      });
    seen.add(s.name);
  });
  return { ...c, sinks };
}

/** The top-level keys a config file may have. */
export const CONFIG_KEYS: readonly string[] = Object.keys(baseConfigSchema.shape);

/** The whole config: validates the file's shape, then fills derived values. */
export const configSchema = baseConfigSchema.transform(derive);

/** A loaded, validated configuration; durations are milliseconds. */
export type Config = z.output<typeof configSchema>;

/** What a config file may contain (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
