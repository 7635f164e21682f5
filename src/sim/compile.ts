import { EndpointText } from "../event/index.js";
import { END, type HttpMethod, type ParamSpec, type Workflow } from "../workflow/types.js";
import {
  DEFAULT_ERROR_RATE,
  DEFAULT_ERROR_STATUSES,
  DEFAULT_JITTER,
  DEFAULT_PATH_PARAM,
  defaultMethod,
  defaultParams,
  defaultResponseMs,
} from "./rules.js";

/** A parameter ready to draw: either choices or an inclusive integer range. */
export interface CompiledParam {
  readonly name: string;
  readonly choices: readonly (string | number)[] | null;
  /** The choices as they appear in a path (percent-encoded), made once. */
  readonly pathChoices: readonly string[] | null;
  readonly min: number;
  readonly max: number;
}

/** An endpoint with everything the hot path needs resolved once. */
export interface CompiledEndpoint {
  readonly template: string;
  readonly method: HttpMethod;
  readonly isExit: boolean;
  /** Cumulative probabilities of the transitions row and their targets (-1 = `$end`). */
  readonly cum: Float64Array;
  readonly targets: Int32Array;
  readonly meanMs: number;
  readonly jitter: number;
  readonly errorRate: number;
  readonly errorStatuses: readonly number[];
  /** Literal pieces of the path around its parameters: parts[0] p0 parts[1] p1 ... */
  readonly pathParts: readonly string[];
  readonly pathParams: readonly CompiledParam[];
  readonly queryParams: readonly CompiledParam[];
  /** Its template and method as events carry them, made once (a byte encoder keeps their bytes there). */
  readonly text: EndpointText;
}

export interface CompiledWorkflow {
  readonly name: string;
  readonly endpoints: readonly CompiledEndpoint[];
  readonly entryCum: Float64Array;
  readonly entryTargets: Int32Array;
  readonly userTypes: readonly string[];
  readonly userTypeCum: Float64Array;
}

/** Index of the `$end` target in compiled rows. */
export const END_INDEX = -1;

function cumulative(row: Record<string, number>, index: (k: string) => number): [Float64Array, Int32Array] {
  const keys = Object.keys(row).filter((k) => row[k]! > 0);
  const cum = new Float64Array(keys.length);
  const targets = new Int32Array(keys.length);
  let total = 0;
  for (const k of keys) total += row[k]!;
  let acc = 0;
  keys.forEach((k, i) => {
    acc += row[k]! / total;
    cum[i] = acc;
    targets[i] = index(k);
  });
  if (keys.length > 0) cum[keys.length - 1] = 1;
  return [cum, targets];
}

function compileParam(name: string, spec: ParamSpec): CompiledParam {
  if (Array.isArray(spec)) {
    const pathChoices = spec.map((c) => encodeURIComponent(String(c)));
    return { name, choices: spec, pathChoices, min: 0, max: 0 };
  }
  const range = spec as { min: number; max: number };
  return { name, choices: null, pathChoices: null, min: range.min, max: range.max };
}

/** A path template's literal pieces around its `{name}` parameters, and their names, in order. */
export function splitPath(template: string): { parts: string[]; names: string[] } {
  const parts: string[] = [];
  const names: string[] = [];
  let rest = template;
  for (let m = /\{([^{}]+)\}/.exec(rest); m; m = /\{([^{}]+)\}/.exec(rest)) {
    parts.push(rest.slice(0, m.index));
    names.push(m[1]!);
    rest = rest.slice(m.index + m[0].length);
  }
  parts.push(rest);
  return { parts, names };
}

function compileEndpoint(w: Workflow, template: string, index: (k: string) => number): CompiledEndpoint {
  const opts = w.endpoints?.[template] ?? {};
  const [cum, targets] = cumulative(w.transitions[template] ?? {}, index);
  const { parts, names } = splitPath(template);
  const params = opts.params ?? defaultParams(template);
  const method = opts.method ?? defaultMethod(template);
  return {
    template,
    method,
    isExit: w.exit_points.includes(template),
    cum,
    targets,
    meanMs: w.avg_response_times?.[template] ?? defaultResponseMs(template),
    jitter: opts.response_time_jitter ?? DEFAULT_JITTER,
    errorRate: opts.error_rate ?? DEFAULT_ERROR_RATE,
    errorStatuses: opts.error_statuses ?? DEFAULT_ERROR_STATUSES,
    pathParts: parts,
    pathParams: names.map((n) => compileParam(n, params[n] ?? DEFAULT_PATH_PARAM)),
    queryParams: Object.keys(params)
      .filter((n) => !names.includes(n))
      .map((n) => compileParam(n, params[n]!)),
    text: new EndpointText(template, method),
  };
}

/** Resolves a validated workflow into index-based tables, applying the default rules once. */
export function compileWorkflow(w: Workflow): CompiledWorkflow {
  const names = [...Object.keys(w.transitions)];
  for (const e of w.exit_points) if (!names.includes(e)) names.push(e);
  const byName = new Map(names.map((n, i) => [n, i]));
  const index = (k: string): number => (k === END ? END_INDEX : byName.get(k)!);
  const [entryCum, entryTargets] = cumulative(w.entry_points, index);
  const types = w.user_type_distribution ?? { default: 1 };
  const [userTypeCum, typeIdx] = cumulative(types, (k) => Object.keys(types).indexOf(k));
  return {
    name: w.name,
    endpoints: names.map((n) => compileEndpoint(w, n, index)),
    entryCum,
    entryTargets,
    userTypes: [...typeIdx].map((i) => Object.keys(types)[i]!),
    userTypeCum,
  };
}
