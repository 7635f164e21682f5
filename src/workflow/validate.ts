import type { Problem } from "../errors.js";
import { semanticIssues } from "./checks.js";
import { graphIssues } from "./graph.js";
import { type Issue, toProblems } from "./path.js";
import { shapeIssues } from "./schema.js";

/** Every issue of a workflow value, errors and warnings: shape first, then values and references, then the graph. */
export function workflowIssues(value: unknown): Issue[] {
  return [...shapeIssues(value), ...semanticIssues(value), ...graphIssues(value)];
}

/** What validation found: errors make a workflow invalid, warnings do not. */
export interface WorkflowCheck {
  problems: Problem[];
  warnings: Problem[];
}

/** Checks a workflow value (as parsed from YAML or JSON), splitting errors from warnings. Pure. */
export function checkWorkflow(value: unknown): WorkflowCheck {
  const issues = workflowIssues(value);
  return {
    problems: toProblems(issues.filter((i) => i.severity !== "warning")),
    warnings: toProblems(issues.filter((i) => i.severity === "warning")),
  };
}

/** Validates a workflow value; returns every error (warnings left out), [] when valid. Pure. */
export function validateWorkflow(value: unknown): Problem[] {
  return checkWorkflow(value).problems;
}
