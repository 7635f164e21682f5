import { z } from "zod";
import { describeValue, type Issue, type Segment } from "./path.js";
import { HTTP_METHODS, type HttpMethod, type Workflow } from "./types.js";

// The schema checks shape only (types, required and unknown fields). Ranges, sums and references are
// checked in checks.ts and graph.ts, which run even when the shape is wrong so that every problem is
// reported at once.

const probabilities = z.record(z.string(), z.number());

const paramRange = z.strictObject({ min: z.number().int(), max: z.number().int() });
const paramChoices = z.array(z.union([z.string(), z.number()])).min(1);
const paramSpec = z.union([paramChoices, paramRange]);

const endpointOptions = z.strictObject({
  method: z.enum(HTTP_METHODS as [HttpMethod, ...HttpMethod[]]).optional(),
  error_rate: z.number().optional(),
  error_statuses: z.array(z.number().int()).min(1).optional(),
  response_time_jitter: z.number().optional(),
  params: z.record(z.string(), paramSpec).optional(),
});

/** The shape of a workflow file; strict, so unknown fields anywhere are errors. */
export const workflowSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  entry_points: probabilities,
  transitions: z.record(z.string(), probabilities),
  exit_points: z.array(z.string()),
  avg_response_times: z.record(z.string(), z.number()).optional(),
  user_type_distribution: probabilities.optional(),
  endpoints: z.record(z.string(), endpointOptions).optional(),
});

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
