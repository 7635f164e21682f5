// Writing a workflow as YAML, apart from reading one (yaml.ts): the writer needs the yaml library alone,
// not the validation's zod schemas, which cost `fit` (that only writes) ~45 ms of start-up.
import { Document, isMap, isScalar, isSeq, Scalar, visit } from "yaml";
import type { EndpointOptions, Workflow } from "./types.js";

/** Writes a workflow as readable YAML that parseWorkflow reads back deep-equal: fields in a fixed order, maps in their given order. */
export function workflowToYaml(w: Workflow): string {
  const doc = new Document(canonical(w));
  styleDocument(doc);
  return doc.toString({ lineWidth: 0 });
}

function canonical(w: Workflow): Record<string, unknown> {
  return dropUndefined({
    name: w.name,
    description: w.description,
    entry_points: w.entry_points,
    transitions: w.transitions,
    exit_points: w.exit_points,
    avg_response_times: w.avg_response_times,
    user_type_distribution: w.user_type_distribution,
    endpoints: w.endpoints && mapValues(w.endpoints, canonicalOptions),
    services:
      w.services &&
      mapValues(w.services, (s) => dropUndefined({ endpoints: s.endpoints, depends_on: s.depends_on })),
  });
}

function canonicalOptions(o: EndpointOptions): Record<string, unknown> {
  return dropUndefined({
    method: o.method,
    error_rate: o.error_rate,
    error_statuses: o.error_statuses,
    response_time_jitter: o.response_time_jitter,
    params: o.params,
  });
}

function mapValues<T, U>(record: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function styleDocument(doc: Document): void {
  // Flow indicators inside a plain key such as /api/products/{id} are legal in block style but break
  // as soon as a user rewrites the map in flow style, so such strings are always quoted.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && /[{}[\]]/.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const top = doc.contents;
  if (!isMap(top)) return;
  top.items.forEach((pair, i) => {
    // A blank line before each section but the name and description, which belong together.
    if (i > 0 && isScalar(pair.key) && pair.key.value !== "description") pair.key.spaceBefore = true;
  });
  flowServiceLists(top.get("services", true));
  // Param specs and status lists are short values: one line each reads better than a block.
  const endpoints = top.get("endpoints", true);
  if (!isMap(endpoints)) return;
  for (const { value: options } of endpoints.items) {
    if (!isMap(options)) continue;
    const statuses = options.get("error_statuses", true);
    if (isSeq(statuses)) statuses.flow = true;
    const params = options.get("params", true);
    if (!isMap(params)) continue;
    for (const { value: spec } of params.items) {
      if (isMap(spec) || isSeq(spec)) spec.flow = true;
    }
  }
}

/** A service's endpoints and dependencies on one line each, as a service map is usually written. */
function flowServiceLists(services: unknown): void {
  if (!isMap(services)) return;
  for (const { value: spec } of services.items) {
    if (!isMap(spec)) continue;
    for (const { value: list } of spec.items) if (isSeq(list)) list.flow = true;
  }
}
