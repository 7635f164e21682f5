import type { Issue, Segment } from "./path.js";
import { asMap, rawEndpoints } from "./raw.js";
import { END } from "./types.js";

// A service name becomes part of a propagated window's id (`<cascade_id>.<service>`), so it keeps to
// the characters of cascade names, without the dot that separates the hops.
const SERVICE_NAME = /^[A-Za-z0-9_-]+$/;

/** Every endpoint a workflow names: entry points, transitions rows and targets, exit points. */
function namedEndpoints(workflow: unknown): Set<string> {
  const root = asMap(workflow);
  const names = new Set(rawEndpoints(workflow));
  for (const key of Object.keys(asMap(root?.entry_points) ?? {})) names.add(key);
  for (const row of Object.values(asMap(root?.transitions) ?? {})) {
    for (const target of Object.keys(asMap(row) ?? {})) names.add(target);
  }
  names.delete(END);
  return names;
}

/** Checks the service map: names, endpoints of this workflow (each in one service), dependencies on services of the map. */
export function serviceIssues(workflow: unknown): Issue[] {
  const services = asMap(asMap(workflow)?.services);
  if (!services) return [];
  const names = Object.keys(services);
  const endpoints = namedEndpoints(workflow);
  const owner = new Map<string, string>();
  const issues: Issue[] = [];
  for (const name of names) {
    const path: Segment[] = ["services", name];
    if (!SERVICE_NAME.test(name)) {
      issues.push({ path, message: `service name "${name}" must use only letters, digits, '_' or '-'` });
    }
    const spec = asMap(services[name]);
    if (!spec) continue;
    eachString(spec.endpoints, (endpoint, i) => {
      const at = [...path, "endpoints", i];
      const message = endpointMessage(endpoint, endpoints, owner.get(endpoint), name);
      if (message) issues.push({ path: at, message });
      else owner.set(endpoint, name);
    });
    issues.push(...dependencyIssues(spec.depends_on, name, names, [...path, "depends_on"]));
  }
  return issues;
}

function endpointMessage(
  endpoint: string,
  endpoints: ReadonlySet<string>,
  owner: string | undefined,
  service: string,
): string | undefined {
  if (!endpoints.has(endpoint)) {
    return `"${endpoint}" is not an endpoint of this workflow: name an entry point, a transitions row or target, or an exit point`;
  }
  if (owner === service) return `"${endpoint}" is listed twice`;
  if (owner !== undefined)
    return `"${endpoint}" is already served by "${owner}": an endpoint belongs to one service`;
  return undefined;
}

function dependencyIssues(
  value: unknown,
  service: string,
  names: readonly string[],
  path: Segment[],
): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  eachString(value, (dep, i) => {
    const at = [...path, i];
    if (dep === service) issues.push({ path: at, message: `"${dep}" cannot depend on itself` });
    else if (!names.includes(dep)) {
      issues.push({
        path: at,
        message: `"${dep}" is not a service: name one of ${names.join(", ")}, or add it under services`,
      });
    } else if (seen.has(dep)) issues.push({ path: at, message: `"${dep}" is listed twice` });
    seen.add(dep);
  });
  return issues;
}

/** Calls `f` for each string of a list with its index; other values are the schema's to report. */
function eachString(value: unknown, f: (s: string, i: number) => void): void {
  if (!Array.isArray(value)) return;
  value.forEach((v, i) => {
    if (typeof v === "string") f(v, i);
  });
}
