import type { Problem } from "../errors.js";
import { semanticIssues } from "./checks.js";
import { graphIssues } from "./graph.js";
import { type Issue, toProblems } from "./path.js";
import { shapeIssues } from "./schema.js";

/** Every issue of a workflow value: shape first, then values and references, then the graph. */
export function workflowIssues(value: unknown): Issue[] {
  return [...shapeIssues(value), ...semanticIssues(value), ...graphIssues(value)];
}

/** Validates a workflow value (as parsed from YAML or JSON); returns every problem, [] when valid. Pure. */
export function validateWorkflow(value: unknown): Problem[] {
  return toProblems(workflowIssues(value));
}
