import type { Issue, Segment } from "./path.js";
import { asMap, asNumber, rawEndpoints, rawExits } from "./raw.js";
import { serviceIssues } from "./services.js";
import { END } from "./types.js";

/** Probabilities of one distribution must sum to 1 within this tolerance. */
export const SUM_TOLERANCE = 1e-6;

// Endpoints are the keys of transitions and the exit points; the message says how to make one.
const NOT_ENDPOINT = "is not an endpoint: give it a row in transitions, or add it to exit_points";

/** Checks values, sums and references of a workflow; tolerant of a wrong shape, which zod reports. */
export function semanticIssues(workflow: unknown): Issue[] {
  const root = asMap(workflow);
  if (!root) return [];
  const endpoints = new Set(rawEndpoints(workflow));
  return [
    ...entryIssues(root.entry_points, endpoints),
    ...transitionIssues(root.transitions, endpoints, rawExits(workflow)),
    ...exitIssues(root.exit_points),
    ...responseTimeIssues(root.avg_response_times, endpoints),
    ...distributionIssues(root.user_type_distribution, ["user_type_distribution"]),
    ...overrideIssues(root.endpoints, endpoints),
    ...serviceIssues(workflow),
  ];
}

/** Each value in [0, 1], and the whole summing to 1 when every value is a number. */
export function distributionIssues(value: unknown, path: Segment[]): Issue[] {
  const map = asMap(value);
  if (!map) return [];
  const entries = Object.entries(map);
  if (entries.length === 0) return [{ path, message: "must not be empty" }];
  const issues: Issue[] = [];
  let sum = 0;
  let allNumbers = true;
  for (const [key, raw] of entries) {
    const p = asNumber(raw);
    if (p === undefined) allNumbers = false;
    else if (p < 0)
      issues.push({ path: [...path, key], message: `probability must not be negative, got ${p}` });
    else if (p > 1) issues.push({ path: [...path, key], message: `probability must not exceed 1, got ${p}` });
    sum += p ?? 0;
  }
  if (allNumbers && Math.abs(sum - 1) > SUM_TOLERANCE) {
    issues.push({ path, message: `probabilities sum to ${Number(sum.toFixed(9))}, expected 1` });
  }
  return issues;
}

function entryIssues(value: unknown, endpoints: Set<string>): Issue[] {
  const map = asMap(value);
  if (!map) return [];
  if (Object.keys(map).length === 0)
    return [{ path: ["entry_points"], message: "must list at least one entry point" }];
  const issues = distributionIssues(map, ["entry_points"]);
  for (const key of Object.keys(map)) {
    if (!endpoints.has(key))
      issues.push({ path: ["entry_points", key], message: `"${key}" ${NOT_ENDPOINT}` });
  }
  return issues;
}

function transitionIssues(value: unknown, endpoints: Set<string>, exits: Set<string>): Issue[] {
  const map = asMap(value);
  if (!map) return [];
  const issues: Issue[] = [];
  for (const [source, rowValue] of Object.entries(map)) {
    const path: Segment[] = ["transitions", source];
    if (source === END) {
      issues.push({ path, message: `"${END}" is reserved for ending a session and cannot have a row` });
      continue;
    }
    const row = asMap(rowValue);
    if (!row) continue;
    if (exits.has(source)) {
      // The seed guide writes such rows (its api_gateway example); the engine ends the session at an
      // exit, so the row is dead weight but harmless. Its contents are still checked below.
      issues.push({
        path,
        severity: "warning",
        message: `never used: "${source}" is an exit point, so sessions end there`,
      });
      if (Object.keys(row).length === 0) continue;
    } else if (Object.keys(row).length === 0) {
      issues.push({ path, message: `dead end: "${source}" is not an exit point and has no transitions` });
      continue;
    }
    issues.push(...distributionIssues(row, path));
    for (const target of Object.keys(row)) {
      if (target !== END && !endpoints.has(target)) {
        issues.push({ path: [...path, target], message: `unknown target: "${target}" ${NOT_ENDPOINT}` });
      }
    }
  }
  return issues;
}

function exitIssues(value: unknown): Issue[] {
  if (!Array.isArray(value)) return [];
  const issues: Issue[] = [];
  const seen = new Set<unknown>();
  value.forEach((exit, i) => {
    if (exit === END) {
      issues.push({
        path: ["exit_points", i],
        message: `"${END}" is implicit and cannot be listed as an exit point`,
      });
    } else if (seen.has(exit)) {
      issues.push({ path: ["exit_points", i], message: `"${String(exit)}" is listed twice` });
    }
    seen.add(exit);
  });
  return issues;
}

function responseTimeIssues(value: unknown, endpoints: Set<string>): Issue[] {
  const map = asMap(value);
  if (!map) return [];
  const issues: Issue[] = [];
  for (const [key, raw] of Object.entries(map)) {
    const path: Segment[] = ["avg_response_times", key];
    if (!endpoints.has(key)) issues.push({ path, message: `"${key}" ${NOT_ENDPOINT}` });
    const ms = asNumber(raw);
    if (ms !== undefined && ms < 0)
      issues.push({ path, message: `response time must not be negative, got ${ms}` });
  }
  return issues;
}

function overrideIssues(value: unknown, endpoints: Set<string>): Issue[] {
  const map = asMap(value);
  if (!map) return [];
  const issues: Issue[] = [];
  for (const [endpoint, raw] of Object.entries(map)) {
    const path: Segment[] = ["endpoints", endpoint];
    if (!endpoints.has(endpoint))
      issues.push({ path, message: `overrides for unknown endpoint: "${endpoint}" ${NOT_ENDPOINT}` });
    const options = asMap(raw);
    if (options) issues.push(...optionIssues(options, path));
  }
  return issues;
}

function optionIssues(options: Record<string, unknown>, path: Segment[]): Issue[] {
  const issues: Issue[] = [];
  const rate = asNumber(options.error_rate);
  if (rate !== undefined && (rate < 0 || rate > 1)) {
    issues.push({
      path: [...path, "error_rate"],
      message: `error_rate must be between 0 and 1, got ${rate}`,
    });
  }
  const jitter = asNumber(options.response_time_jitter);
  if (jitter !== undefined && jitter < 0) {
    issues.push({ path: [...path, "response_time_jitter"], message: `must not be negative, got ${jitter}` });
  }
  if (Array.isArray(options.error_statuses)) {
    options.error_statuses.forEach((status, i) => {
      const code = asNumber(status);
      if (code !== undefined && (code < 100 || code > 599)) {
        issues.push({
          path: [...path, "error_statuses", i],
          message: `not an HTTP status (100-599): ${code}`,
        });
      }
    });
  }
  for (const [name, spec] of Object.entries(asMap(options.params) ?? {})) {
    const range = asMap(spec);
    const min = asNumber(range?.min);
    const max = asNumber(range?.max);
    if (min !== undefined && max !== undefined && min > max) {
      issues.push({ path: [...path, "params", name], message: `min (${min}) is greater than max (${max})` });
    }
  }
  return issues;
}
