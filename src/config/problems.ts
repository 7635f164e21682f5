import type { z } from "zod";
import type { Problem } from "../errors.js";

type Path = readonly PropertyKey[];

/** A problem with the raw path it was found at, so the loader can point into the file. */
export interface LocatedProblem extends Problem {
  at: PropertyKey[];
}

/** Formats a path as users write it: `sinks[0].brokers`, or `(root)` for the whole document. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out === "" ? "(root)" : out;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && Number.isNaN(v)) return "NaN";
  return typeof v;
}

function boundMessage(iss: {
  origin: string;
  inclusive?: boolean;
  minimum?: unknown;
  maximum?: unknown;
  code: string;
}): string {
  const small = iss.code === "too_small";
  const bound = String(small ? iss.minimum : iss.maximum);
  if (iss.origin === "array") return `expected ${small ? "at least" : "at most"} ${bound} items`;
  if (iss.origin === "string") {
    if (small && bound === "1") return "expected a non-empty string";
    return `expected ${small ? "at least" : "at most"} ${bound} characters`;
  }
  const op = small ? (iss.inclusive ? ">=" : ">") : iss.inclusive ? "<=" : "<";
  return `expected a number ${op} ${bound}`;
}

/** Zod error map giving short messages that never echo the value (it may be a secret). */
export function configErrorMap(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "required";
      return `expected ${iss.expected}, got ${typeName(iss.input)}`;
    case "invalid_value":
      if (iss.values.length === 1) return `expected ${JSON.stringify(iss.values[0])}`;
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
    case "too_big":
      return boundMessage(iss as Parameters<typeof boundMessage>[0]);
    case "not_multiple_of":
      return `expected a multiple of ${String(iss.divisor)}`;
    case "invalid_format":
      return `expected ${iss.format}`;
    default:
      return undefined;
  }
}

/** Turns a union's failure into one message: `expected boolean or object, got string`. */
function unionProblems(iss: z.core.$ZodIssueInvalidUnion, base: Path): LocatedProblem[] {
  const branches = iss.errors;
  const allType = branches.every(
    (b) => b.length === 1 && b[0]!.code === "invalid_type" && b[0]!.path.length === 0,
  );
  if (allType && branches.length > 0) {
    const expected = [...new Set(branches.map((b) => (b[0] as z.core.$ZodIssueInvalidType).expected))];
    const got = /(?:received|got) (\w+)/.exec(branches[0]![0]!.message)?.[1];
    const tail = got && got !== "undefined" ? `, got ${got}` : "";
    const message = got === "undefined" ? "required" : `expected ${expected.join(" or ")}${tail}`;
    return [{ path: formatPath(base), message, at: [...base] }];
  }
  if (branches.length === 0) return [{ path: formatPath(base), message: iss.message, at: [...base] }];
  const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
  return best.flatMap((i) => issueProblems(i, base));
}

/** The message of a key the schema does not know; the loader appends the nearest known key. */
export const UNKNOWN_KEY = "unknown key";

/** One problem per issue (and per unknown key), with the full path. */
export function issueProblems(iss: z.core.$ZodIssue, base: Path = []): LocatedProblem[] {
  const path = [...base, ...iss.path];
  if (iss.code === "unrecognized_keys") {
    return iss.keys.map((k) => ({
      path: formatPath([...path, k]),
      message: UNKNOWN_KEY,
      at: [...path, k],
    }));
  }
  if (iss.code === "invalid_union" && !("note" in iss && iss.note)) return unionProblems(iss, path);
  return [{ path: formatPath(path), message: iss.message, at: path }];
}
