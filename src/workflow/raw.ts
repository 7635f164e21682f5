import { END } from "./types.js";

// Semantic checks run on the value as given, before (and even when) its shape is right, so they read
// it through these lenient accessors and skip whatever has the wrong type: zod reports that part.

/** A plain map as parsed from YAML, or undefined when the value is anything else. */
export function asMap(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The finite number a value holds, or undefined. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The endpoints of a possibly malformed workflow: transitions keys, then exit points not listed yet. */
export function rawEndpoints(workflow: unknown): string[] {
  const root = asMap(workflow);
  const seen = new Set<string>(Object.keys(asMap(root?.transitions) ?? {}));
  const exits = root?.exit_points;
  if (Array.isArray(exits)) {
    for (const e of exits) if (typeof e === "string") seen.add(e);
  }
  seen.delete(END);
  return [...seen];
}

/** The exit points of a possibly malformed workflow, as a set of strings. */
export function rawExits(workflow: unknown): Set<string> {
  const exits = asMap(workflow)?.exit_points;
  return new Set(Array.isArray(exits) ? exits.filter((e): e is string => typeof e === "string") : []);
}
