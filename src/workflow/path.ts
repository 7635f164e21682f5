import type { Problem } from "../errors.js";

/** One step into a workflow value: a map key or a list index. */
export type Segment = string | number;

/** A problem before its path is rendered, so that the YAML loader can still look up its position. */
export interface Issue {
  path: Segment[];
  message: string;
  /** A warning does not make a workflow invalid (only `validate --strict` fails on it); absent means an error. */
  severity?: "warning";
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Renders a path as `transitions["/api/cart"]["/api/checkout"]`: bare names for identifiers, brackets otherwise. */
export function formatPath(path: readonly Segment[]): string {
  if (path.length === 0) return "(top level)";
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Turns issues into problems with rendered paths. */
export function toProblems(issues: readonly Issue[]): Problem[] {
  return issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** Describes a value in a message: strings quoted, lists and maps named rather than dumped. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}
