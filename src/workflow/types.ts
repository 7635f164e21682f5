import type { HttpMethod } from "../event/methods.js";

export { HTTP_METHODS, type HttpMethod } from "../event/methods.js";

/** The target that ends a session from inside a row of transitions. */
export const END = "$end";

/**
 * How one parameter is drawn: a list of choices (picked uniformly), or an integer range (inclusive).
 * A parameter whose name appears as `{name}` in the endpoint template fills the path; others go to `params`.
 */
export type ParamSpec = readonly (string | number)[] | { readonly min: number; readonly max: number };

/** Per-endpoint overrides of the generation rules. */
export interface EndpointOptions {
  method?: HttpMethod;
  /** Probability that a call fails (default 0.05). */
  error_rate?: number;
  /** Status codes a failing call returns, drawn uniformly (default [400, 500]). */
  error_statuses?: number[];
  /** Standard deviation of the response time as a fraction of its mean (default 0.25). */
  response_time_jitter?: number;
  params?: Record<string, ParamSpec>;
}

/**
 * One service of a workflow's service map: the endpoints it serves and the services it calls. A
 * service without endpoints (a database) is one that others depend on but the workflow never calls.
 */
export interface Service {
  endpoints?: string[];
  depends_on?: string[];
}

/** A workflow as written in YAML: the seed guide's fields plus optional per-endpoint overrides. */
export interface Workflow {
  name: string;
  description?: string;
  entry_points: Record<string, number>;
  /** Per endpoint, the probability of each next endpoint; the target `$end` ends the session. */
  transitions: Record<string, Record<string, number>>;
  exit_points: string[];
  avg_response_times?: Record<string, number>;
  user_type_distribution?: Record<string, number>;
  endpoints?: Record<string, EndpointOptions>;
  /** Which service serves which endpoints and what it depends on; cascades propagate along it, the walk ignores it. */
  services?: Record<string, Service>;
}
