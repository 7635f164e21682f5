import { z } from "zod";
import { SUMMARY_SCHEMA } from "./summary.js";

const ms = z.number().nonnegative().nullable();

const histogram = z
  .strictObject({
    count: z.number().int().nonnegative().describe("Values recorded."),
    min_ms: ms.describe("Smallest value (ms); null when empty."),
    max_ms: ms.describe("Largest value (ms); null when empty."),
    sum_ms: z.number().nonnegative().describe("Sum of the values (ms)."),
    bins: z
      .array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()]))
      .describe(
        "[bin, count] by ascending bin. Bin b < 256 holds b µs; above, i = b - 256 holds [low, low + 2^s) µs with s = floor(i / 128) + 1 and low = (i mod 128 + 128) * 2^s.",
      ),
  })
  .describe("Latencies in a log-linear histogram (HDR-style, 0.4% precision); merges by adding counts.");

const percentiles = z
  .strictObject({ min: ms, avg: ms, p50: ms, p90: ms, p95: ms, p99: ms, max: ms })
  .describe(
    "Latency in ms: smallest, mean, percentiles (nearest rank, bin middle), largest; null without calls.",
  );

const tags = {
  workflow: z.string().describe("Workflow name (replay: the recording's)."),
  endpoint: z.string().describe("Endpoint template."),
  method: z.string().describe("HTTP method."),
  status: z.number().int().min(0).max(599).describe("HTTP status; 0: no response."),
};

/** The zod schema of the summary JSON: merge reads shards' summaries through it; its JSON Schema is published. */
export const summarySchema = z
  .strictObject({
    schema: z.literal(SUMMARY_SCHEMA).describe("Version of this format."),
    command: z.string().describe("run, replay or generate."),
    shards: z.number().int().positive().describe("Summaries merged into this one (1 for a single process)."),
    seed: z.number().int().nonnegative().describe("The run's seed."),
    start: z.string().nullable().describe("Event time of the first call (RFC 3339); null without calls."),
    end: z.string().nullable().describe("Event time of the last call."),
    duration_s: z
      .number()
      .nonnegative()
      .describe("Seconds from start to end: the denominator of every rate."),
    passed: z.boolean().describe("Every threshold held (the exit status is 99 when not)."),
    thresholds: z
      .array(
        z.strictObject({
          metric: z.string().describe("Metric with its tag filter, as written."),
          expression: z.string().describe("Condition, as written."),
          value: z.number().nullable().describe("The aggregate compared; null when no call matched (held)."),
          ok: z.boolean().describe("The condition held."),
        }),
      )
      .describe("Each threshold's verdict."),
    totals: z
      .strictObject({
        requests: z.number().int().nonnegative().describe("Calls (events) recorded."),
        failed: z.number().int().nonnegative().describe("Calls with no response or a 4xx/5xx status."),
        events_emitted: z.number().int().nonnegative().describe("Events handed to the sinks."),
        events_undelivered: z.number().int().nonnegative().describe("Events the sinks could not deliver."),
        arrivals_dropped: z
          .number()
          .int()
          .nonnegative()
          .describe("Open-model arrivals the target could not take."),
        arrivals_late: z.number().int().nonnegative().describe("Arrivals started over 1 s late."),
        sessions_started: z.number().int().nonnegative().describe("Sessions started."),
        sessions_completed: z.number().int().nonnegative().describe("Sessions that ended."),
        sessions_cut: z.number().int().nonnegative().describe("Sessions cut by the shutdown."),
      })
      .describe("Counts of the whole run."),
    latency_ms: percentiles.describe("Latency of every call."),
    corrected_latency_ms: percentiles
      .nullable()
      .describe(
        "Open model, HTTP mode: latency from each call's intended send time (coordinated omission corrected).",
      ),
    schedule_lag_ms: percentiles
      .nullable()
      .describe(
        "Schedule lag in wall ms: how far behind its schedule each batch of calls went out (0 at `max` speed); null when no batch went out.",
      ),
    schedule_lag: histogram.describe(
      "Schedule lag of each batch (ms) as a histogram, one value per batch: what the `schedule_lag` threshold and `summary merge` read.",
    ),
    endpoints: z
      .array(
        z.strictObject({
          endpoint: z.string(),
          requests: z.number().int().nonnegative(),
          rate: z.number().nullable().describe("Calls per second of event time."),
          failed: z.number().int().nonnegative(),
          error_rate: z.number().nullable().describe("failed / requests."),
          latency_ms: percentiles,
          corrected_latency_ms: percentiles.nullable(),
        }),
      )
      .describe("Per endpoint template, all workflows and methods together."),
    cascades: z
      .array(z.strictObject({ cascade_id: z.string(), name: z.string(), start: z.string(), end: z.string() }))
      .describe("Scheduled or triggered cascade windows seen (their label records)."),
    series: z
      .array(z.strictObject({ ...tags, latency: histogram, corrected: histogram.nullable() }))
      .describe(
        "The raw data: one histogram per (workflow, endpoint, method, status); thresholds read these.",
      ),
    timeline: z
      .strictObject({
        bucket_ms: z.number().int().positive().describe("Width of a bucket: 1 s times a power of two."),
        buckets: z.array(
          z.strictObject({
            t: z.number().describe("Bucket start, epoch ms of event time (a multiple of bucket_ms)."),
            requests: z.number().int().nonnegative(),
            failed: z.number().int().nonnegative(),
            latency: histogram,
            endpoints: z
              .record(z.string(), z.tuple([z.number().int(), z.number().int()]))
              .describe("Per endpoint: [requests, failed]."),
          }),
        ),
      })
      .describe("Calls over event time; at most 300 buckets (the width doubles as the run grows)."),
  })
  .describe("tracewalk end-of-run summary.");

/** The summary's JSON Schema (draft 2020-12), as `tracewalk schema summary` prints it. */
export function summaryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(summarySchema, { target: "draft-2020-12" }),
    $id: "https://tracewalk.dev/schema/summary-v1.json",
    title: SUMMARY_SCHEMA,
  };
}
