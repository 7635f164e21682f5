import { z } from "zod";
import { bytesSchema, durationSchema } from "./duration.js";
import { pemProblem } from "./pem.js";

/** A list of non-empty strings, with a message that says so. */
export function stringList(what = "strings") {
  return z.array(z.string().min(1, { error: "expected a non-empty string" }), {
    error: `expected array of ${what}`,
  });
}

const sinkName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { error: "expected letters, digits, '_', '.' or '-'" })
  .optional()
  .describe("Name in metrics and logs; defaults to the type, suffixed by its index when a type repeats.");

const labelsPath = z
  .string()
  .min(1)
  .refine((p) => !/\.parquet$/i.test(p), {
    error: "labels are written as JSON lines: use a .jsonl path",
  })
  .optional();

const stdoutSink = z
  .strictObject({
    type: z.literal("stdout").describe("Writes JSONL events to standard output."),
    name: sinkName,
    labels_path: labelsPath.describe(
      "File for cascade label records (JSON lines); absent: labels are not written (the run warns at start).",
    ),
  })
  .describe("JSON lines to standard output; labels to `labels_path`, never to standard output.");

/** A file sink's labels must not land in its events file. */
function labelsApart(s: { path: string; labels_path?: string | undefined }, ctx: z.RefinementCtx): void {
  if (s.labels_path !== undefined && s.labels_path === s.path) {
    ctx.addIssue({ code: "custom", path: ["labels_path"], message: "must differ from path" });
  }
}

const rotate = z
  .strictObject({
    max_bytes: bytesSchema()
      .optional()
      .describe("Start a new file past this size (bytes, or `100MB`, `64MiB`)."),
    interval: durationSchema().optional().describe("Start a new file after this much wall time, e.g. `1h`."),
  })
  .describe("File rotation; absent means one file.");

const fileSink = z
  .strictObject({
    type: z.literal("file").describe("Writes JSONL events to a file."),
    name: sinkName,
    path: z
      .string()
      .min(1)
      // A file sink writes JSON lines; under a .parquet name they would mislead every reader.
      .refine((p) => !/\.parquet$/i.test(p), {
        error: "a file sink writes JSON lines; for Parquet use `type: parquet`",
      })
      .describe("Output file, e.g. `out/events.jsonl`; a `.parquet` path is refused (use `type: parquet`)."),
    labels_path: labelsPath.describe(
      "File for cascade label records; defaults to the path with its extension replaced by `.labels.jsonl` (none for a device or a pipe such as `/dev/null`).",
    ),
    rotate: rotate.optional(),
  })
  .superRefine(labelsApart)
  .describe("JSON lines to a file.");

const parquetSink = z
  .strictObject({
    type: z.literal("parquet").describe("Writes events to a Parquet file."),
    name: sinkName,
    path: z.string().min(1).describe("Output file, e.g. `out/events.parquet`."),
    labels_path: labelsPath.describe(
      "File for cascade label records (JSON lines); defaults to the path with its extension replaced by `.labels.jsonl` (none for a device or a pipe).",
    ),
    row_group_size: z.number().int().positive().default(10_000).describe("Rows per Parquet row group."),
  })
  .superRefine(labelsApart)
  .describe("Parquet file; labels as JSON lines beside it.");

const sasl = z
  .strictObject({
    mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).describe("SASL mechanism."),
    username: z.string().min(1).describe("SASL user name."),
    password: z.string().describe("SASL password; write `$" + "{ENV_VAR}`, never the secret itself."),
  })
  .describe("SASL authentication; absent means none.");

const tls = z
  .union([
    z.boolean(),
    z
      .strictObject({
        ca: z.string().optional().describe("CA certificate: a PEM string or a file path."),
        cert: z.string().optional().describe("Client certificate: a PEM string or a file path."),
        key: z
          .string()
          .optional()
          .describe("Client key: a PEM string or a file path; use `$" + "{ENV_VAR}`."),
        reject_unauthorized: z.boolean().default(true).describe("Verify the broker's certificate."),
      })
      .superRefine((t, ctx) => {
        // A file that cannot be used is the config's problem, told at load with its key (exit 2).
        for (const field of ["ca", "cert", "key"] as const) {
          const value = t[field];
          const problem = value === undefined ? undefined : pemProblem(value);
          if (problem !== undefined) ctx.addIssue({ code: "custom", path: [field], message: problem });
        }
      }),
  ])
  .default(false)
  .describe("TLS: `false`, `true` (system CAs) or certificate options.");

const createTopic = z
  .union([
    z.literal(false),
    z.literal(true).transform((): { partitions?: number; replication_factor?: number } => ({})),
    z.strictObject({
      partitions: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Partitions of the created events topic; absent: the broker's `num.partitions`."),
      replication_factor: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          "Replication factor of the created topics; absent: the broker's `default.replication.factor`.",
        ),
    }),
  ])
  .prefault(true)
  .describe(
    "Create the events and labels topics when missing (the labels topic with 1 partition): `true` (the broker's defaults), `{partitions, replication_factor}`, or `false`: a missing topic stops the run at start (exit 2).",
  );

const kafkaSink = z
  .strictObject({
    type: z.literal("kafka").describe("Produces events to Kafka."),
    name: sinkName,
    brokers: stringList("strings")
      .min(1, { error: "expected at least one broker" })
      .default(["localhost:9092"])
      .describe("Bootstrap brokers `host:port`; `TRACEWALK_KAFKA_BROKERS=a:9092,b:9092` overrides."),
    topic: z.string().min(1).default("api-calls").describe("Topic of events."),
    labels_topic: z
      .string()
      .min(1)
      .optional()
      .describe("Topic of cascade label records; defaults to `<topic>.labels`."),
    create_topic: createTopic,
    client: z
      .enum(["kafkajs", "platformatic"])
      .default("platformatic")
      .describe(
        "Client library: `platformatic` (@platformatic/kafka, about twice as fast; see bench/kafka) or `kafkajs`.",
      ),
    key: z
      .enum(["session_id", "user_id", "none"])
      .default("session_id")
      .describe("Message key; `session_id` keeps a session in one partition, in order."),
    compression: z.enum(["none", "gzip"]).default("none").describe("Batch compression."),
    acks: z.literal(["all", 1, 0]).default("all").describe("Acknowledgements: `all`, `1` or `0`."),
    idempotent: z
      .boolean()
      .default(true)
      .describe(
        "Idempotent producer (needs `acks: all`): a batch re-sent after a failure is not written twice.",
      ),
    batch_size: z.number().int().positive().default(2000).describe("Events per produce request."),
    batch_bytes: z
      .number()
      .int()
      .min(1024)
      .default(900_000)
      .describe("Bytes of values per produce request; keeps requests under the broker's message.max.bytes."),
    linger_ms: z.number().int().nonnegative().default(5).describe("Wait this long to fill a batch."),
    max_in_flight: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(5)
      .describe("Produce requests in flight per broker (the idempotent producer sends one at a time)."),
    max_buffered_events: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Events buffered or in flight before the scheduler waits (backpressure); default 4 × batch_size.",
      ),
    client_id: z.string().min(1).default("tracewalk").describe("Kafka client id."),
    sasl: sasl.optional(),
    tls,
    connection_timeout_ms: z.number().int().positive().default(3000).describe("Broker connection timeout."),
    request_timeout_ms: z.number().int().positive().default(30_000).describe("Request timeout."),
    retry: z
      .strictObject({
        initial_ms: z.number().int().positive().default(100).describe("First retry delay."),
        max_ms: z.number().int().positive().default(30_000).describe("Longest retry delay."),
        retries: z
          .number()
          .int()
          .nonnegative()
          .default(5)
          .describe("The client's retries within one attempt; the sink itself retries forever."),
      })
      .prefault({})
      .describe("Exponential backoff of retries."),
    start_timeout_ms: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        "0: start at once and connect in the background (/readyz says when); > 0: fail start after it.",
      ),
  })
  .superRefine((s, ctx) => {
    if (s.idempotent && s.acks !== "all") {
      ctx.addIssue({
        code: "custom",
        path: ["idempotent"],
        message: "an idempotent producer needs acks: all",
      });
    }
  })
  .describe("Kafka topic.");

const otlpSink = z
  .strictObject({
    type: z.literal("otlp").describe("Sends sessions as traces and calls as spans over OTLP/HTTP."),
    name: sinkName,
    endpoint: z
      .url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })
      .optional()
      .describe(
        "Base URL of the receiver, e.g. `http://127.0.0.1:4318`; spans go to `<endpoint>/v1/traces`. Absent: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), then `OTEL_EXPORTER_OTLP_ENDPOINT`, then `http://localhost:4318`.",
      ),
    protocol: z
      .enum(["http/protobuf", "http/json"])
      .default("http/protobuf")
      .describe("Body encoding: binary protobuf or OTLP/JSON."),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "Headers on every export, from the environment for secrets (`Authorization: Bearer $" +
          "{OTLP_TOKEN}`); never logged. Absent: `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`).",
      ),
    compression: z.enum(["gzip", "none"]).default("gzip").describe("Body compression."),
    timeout: durationSchema()
      .prefault("10s")
      .describe("One export attempt with no response after this long fails (and is retried)."),
    batch_size: z.number().int().positive().default(1024).describe("Spans per export request."),
    max_in_flight: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(2)
      .describe("Export requests at once (order among spans does not matter to OTLP)."),
    linger: durationSchema().prefault("200ms").describe("Wall time a partial batch waits for more spans."),
    max_buffered_events: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Events accepted and not yet exported before the scheduler waits (backpressure); default 8 × batch_size.",
      ),
    session_idle: durationSchema()
      .prefault("5m")
      .describe(
        "A session with no call for this long (event time) is over and its root span is sent; the rest are sent at the end of the run. Keep it above the longest think time: a session that goes on after it gets a second root span with the same id.",
      ),
    labels_path: labelsPath.describe(
      "File for cascade label records (JSON lines); absent: not written (the touched spans still carry `tracewalk.cascade_id`).",
    ),
    service_name: z.string().min(1).default("tracewalk").describe("Resource attribute `service.name`."),
    service_instance_id: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Resource attribute `service.instance.id`; default: the shard (`shard-k`) in a sharded run (`--shard k/N`, N > 1), else the host name.",
      ),
    retry: z
      .strictObject({
        initial_ms: z.number().int().positive().default(100).describe("First retry delay."),
        max_ms: z
          .number()
          .int()
          .positive()
          .default(30_000)
          .describe("Longest retry delay (and longest `Retry-After` honoured)."),
      })
      .prefault({})
      .describe(
        "Backoff of retries after 429, 502, 503, 504 or a network error; the sink retries until shutdown.",
      ),
  })
  .describe("OTLP/HTTP traces: a session is a trace, a call a CLIENT span.");

/**
 * One schema per sink type: a new sink is one entry here plus its factory in `src/sinks`.
 * The discriminated union below is built from this registry.
 */
export const sinkSchemas = {
  stdout: stdoutSink,
  file: fileSink,
  parquet: parquetSink,
  kafka: kafkaSink,
  otlp: otlpSink,
} as const;

export type SinkType = keyof typeof sinkSchemas;

/** Every sink type, in registry order. */
export const SINK_TYPES = Object.keys(sinkSchemas) as SinkType[];

/** A sink entry, discriminated on `type`. */
export const sinkSchema = z
  .discriminatedUnion("type", [stdoutSink, fileSink, parquetSink, kafkaSink, otlpSink], {
    error: (iss) =>
      iss.code === "invalid_union" ? `expected type to be one of ${SINK_TYPES.join(", ")}` : undefined,
  })
  .describe("A sink, chosen by `type`.");

export type SinkConfigInput = z.input<typeof sinkSchema>;
export type SinkConfigParsed = z.output<typeof sinkSchema>;
