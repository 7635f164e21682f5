import { z } from "zod";
import { configJsonSchema } from "../../config/index.js";
import { ErrorCode, TwError } from "../../errors.js";
import {
  EVENT_FIELDS,
  EVENT_SCHEMA_VERSION,
  EVENT_SCHEMA_VERSION_HTTP,
  HTTP_ERROR_KINDS,
  type TraceEvent,
} from "../../event/index.js";
import { labelJsonSchema } from "../../event/labels.js";
import { summaryJsonSchema } from "../../summary/schema.js";
import { HTTP_METHODS } from "../../workflow/types.js";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";

const eventV1 = z
  .strictObject({
    event_id: z.string().describe("Unique; derived from (seed, user, session, call index)."),
    timestamp: z.iso
      .datetime({ precision: 3 })
      .describe("Virtual event time, RFC 3339 with milliseconds, UTC."),
    workflow: z.string().describe("Workflow name."),
    user_id: z.string().describe("Virtual user."),
    user_type: z.string().describe("Type of the virtual user."),
    session_id: z.string().describe("Session; the Kafka key by default."),
    call_index: z.number().int().nonnegative().describe("Position of the call in its session, from 0."),
    endpoint: z.string().describe("Endpoint template, e.g. /api/products/{id} (the Markov state)."),
    path: z.string().describe("Concrete path with parameters filled."),
    method: z.enum(HTTP_METHODS as [string, ...string[]]).describe("HTTP method."),
    params: z.record(z.string(), z.union([z.string(), z.number()])).describe("Query/body parameters."),
    status_code: z
      .number()
      .int()
      .min(0)
      .max(599)
      .describe("HTTP status; 0 when the call failed without a response (HTTP mode, see error)."),
    response_time_ms: z.number().nonnegative().describe("Latency in milliseconds."),
    is_retry: z.boolean().describe("A retry of the previous call (cascade retries)."),
    cascade_id: z
      .string()
      .nullable()
      .describe("Ground truth: the cascade window that touched this call, or null."),
    error: z
      .enum(HTTP_ERROR_KINDS)
      .nullable()
      .optional()
      .describe(
        `HTTP mode only (Event v${EVENT_SCHEMA_VERSION_HTTP}, on every event): null, or the network failure that ended the call.`,
      ),
  })
  .describe(`tracewalk Event v${EVENT_SCHEMA_VERSION}: one API call.`);

// Compile-time guard: the schema's keys are exactly Event v1's.
type Keys<T> = keyof T;
const _sameKeys: [Keys<z.output<typeof eventV1>>, Keys<TraceEvent>] extends [
  Keys<TraceEvent>,
  Keys<z.output<typeof eventV1>>,
]
  ? true
  : never = true;
void _sameKeys;

/** The JSON Schema of Event v1, with `required` in the order serializers write the fields. */
export function eventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(eventV1, { target: "draft-2020-12" });
  return {
    ...schema,
    $id: `https://tracewalk.dev/schema/event-v${EVENT_SCHEMA_VERSION}.json`,
    title: `tracewalk event v${EVENT_SCHEMA_VERSION}`,
    required: [...EVENT_FIELDS],
  };
}

const SUBJECTS = new Map<string, () => Record<string, unknown>>([
  ["config", configJsonSchema],
  ["event", eventJsonSchema],
  ["label", labelJsonSchema],
  ["summary", summaryJsonSchema],
]);

/** `tracewalk schema config|event`: prints a JSON Schema (draft 2020-12) for editors and pipelines. */
export const schemaCommand: Command = {
  usage: [
    "Usage: tracewalk schema config|event|label|summary",
    "",
    "  config   the YAML config file (point your editor's yaml-language-server at it)",
    "  event    Event v1, one API call as emitted to every sink",
    "  label    a cascade label record, as written to every sink's labels stream",
    "  summary  the end-of-run summary (--summary FILE, tracewalk.summary/v1)",
  ].join("\n"),
  async run(argv) {
    const { positionals } = parseCommandArgs(argv, {}, true);
    const subject = positionals[0];
    const build = subject === undefined ? undefined : SUBJECTS.get(subject);
    if (!build || positionals.length > 1) {
      const got = subject === undefined ? "nothing" : `"${positionals.join(" ")}"`;
      throw new TwError(
        ErrorCode.ARGS_INVALID,
        `expected a subject: config, event, label or summary, got ${got}`,
      );
    }
    process.stdout.write(`${JSON.stringify(build(), null, 2)}\n`);
    return 0;
  },
};
