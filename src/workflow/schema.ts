import { z } from "zod";
import { describeValue, type Issue, type Segment } from "./path.js";
import { HTTP_METHODS, type HttpMethod, type Workflow } from "./types.js";

// The schema checks shape only (types, required and unknown fields). Ranges, sums and references are
// checked in checks.ts and graph.ts, which run even when the shape is wrong so that every problem is
// reported at once.

const probabilities = z.record(z.string(), z.number());

const paramRange = z
  .strictObject({ min: z.number().int(), max: z.number().int() })
  .describe("An integer drawn uniformly from min to max, inclusive.");
const paramChoices = z
  .array(z.union([z.string(), z.number()]))
  .min(1)
  .describe("A value drawn uniformly from the list.");
const paramSpec = z.union([paramChoices, paramRange]);

const endpointOptions = z.strictObject({
  method: z.enum(HTTP_METHODS as [HttpMethod, ...HttpMethod[]]).optional(),
  error_rate: z.number().optional().describe("Probability that a call fails, in [0, 1]."),
  error_statuses: z
    .array(z.number().int())
    .min(1)
    .optional()
    .describe("Statuses of failing calls, drawn uniformly."),
  response_time_jitter: z
    .number()
    .optional()
    .describe("Standard deviation of the response time as a fraction of its mean."),
  params: z
    .record(z.string(), paramSpec)
    .optional()
    .describe("Parameters; one named like a {name} in the endpoint template fills the path."),
});

const service = z.strictObject({
  endpoints: z
    .array(z.string())
    .optional()
    .describe("Endpoints of this workflow that the service serves; each in at most one service."),
  depends_on: z
    .array(z.string())
    .optional()
    .describe("Services of this map that the service calls; a cascade climbs from them to it."),
});

/** The shape of a workflow file; strict, so unknown fields anywhere are errors. */
export const workflowSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    entry_points: probabilities.describe("Probability that a session starts at each endpoint; sums to 1."),
    transitions: z
      .record(z.string(), probabilities)
      .describe(
        "Per endpoint, the probability of each next endpoint (sums to 1); the target $end ends the session.",
      ),
    exit_points: z
      .array(z.string())
      .describe("Endpoints that end the session when reached; a row of one is never used (validate warns)."),
    avg_response_times: z
      .record(z.string(), z.number())
      .optional()
      .describe("Mean response time per endpoint, ms."),
    user_type_distribution: probabilities.optional().describe("Probability of each user type; sums to 1."),
    endpoints: z.record(z.string(), endpointOptions).optional().describe("Per-endpoint overrides."),
    services: z
      .record(z.string(), service)
      .optional()
      .describe(
        "The service map: cascades with `propagate` reach the callers of the services they start in.",
      ),
  })
  .describe("A tracewalk workflow: a Markov chain over API endpoint templates.");

/** The JSON Schema (draft 2020-12) of a workflow file, for editors; sums and references are checked only by validate. */
export function workflowJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(workflowSchema, { target: "draft-2020-12" }),
    $id: "https://tracewalk.dev/schema/workflow.json",
    title: "tracewalk workflow",
  };
}

// Compile-time guard: what the schema accepts must be a Workflow, since the loader casts to it.
type Assignable<T extends Workflow> = T;
export type SchemaOutput = Assignable<z.infer<typeof workflowSchema>>;

const TYPE_NAMES: Record<string, string> = {
  object: "a map",
  record: "a map",
  array: "a list",
  int: "an integer",
  number: "a number",
  string: "a string",
};

/** Checks the shape of a value, returning one issue per problem zod found. */
export function shapeIssues(value: unknown): Issue[] {
  const result = workflowSchema.safeParse(value, { reportInput: true });
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => convertIssue(issue, []));
}

function convertIssue(issue: z.core.$ZodIssue, prefix: Segment[]): Issue[] {
  const path = [...prefix, ...(issue.path as Segment[])];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"` }));
    case "invalid_union":
      return unionIssues(issue, path);
    case "invalid_type":
      return [{ path, message: typeMessage(issue) }];
    case "invalid_value":
      return [
        {
          path,
          message: `expected one of ${issue.values.join(", ")}, got ${describeValue(issue.input)}`,
        },
      ];
    case "too_small":
      return [{ path, message: issue.minimum === 1 ? "must not be empty" : issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

function typeMessage(issue: z.core.$ZodIssueInvalidType): string {
  if (!("input" in issue) || issue.input === undefined) return "required field is missing";
  const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
  // zod reports NaN and Infinity with input null; `received` names them.
  const received = (issue as { received?: string }).received ?? describeValue(issue.input);
  return `expected ${expected}, got ${received}`;
}

// A union fails as a whole; when the value's type picks one branch, that branch's issues are the
// useful ones (e.g. `{min: 1}` lacks max), otherwise say what the union accepts.
function unionIssues(issue: z.core.$ZodIssueInvalidUnion, path: Segment[]): Issue[] {
  const matching = issue.errors.filter(
    (branch) => !branch.some((i) => i.code === "invalid_type" && i.path.length === 0),
  );
  if (matching.length === 1) return matching[0]!.flatMap((i) => convertIssue(i, path));
  return [
    {
      path,
      message: `expected a list of choices or a {min, max} range, got ${describeValue(issue.input)}`,
    },
  ];
}
