import { parse as parseYaml } from "yaml";
import type { z } from "zod";

type Schema = z.core.$ZodType;
type Def = { type: string; [k: string]: unknown };

function def(s: Schema): Def {
  return s._zod.def as unknown as Def;
}

/** Strips wrappers (default, optional, transforms…) down to the schemas that accept input. */
function unwrap(s: Schema): Schema[] {
  const d = def(s);
  switch (d.type) {
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
    case "readonly":
    case "catch":
    case "nonoptional":
      return unwrap(d.innerType as Schema);
    case "pipe":
      return unwrap(d.in as Schema);
    case "union":
      return (d.options as Schema[]).flatMap(unwrap);
    default:
      return [s];
  }
}

/** The schemas reachable at `path` from `root` (several when a union offers the key); empty when none. */
export function schemasAt(root: Schema, path: readonly (string | number)[]): Schema[] {
  let current = unwrap(root);
  for (const seg of path) {
    const next: Schema[] = [];
    for (const s of current) {
      const d = def(s);
      if (d.type === "object" && typeof seg === "string") {
        const child = Object.hasOwn(d.shape as object, seg)
          ? (d.shape as Record<string, Schema>)[seg]
          : undefined;
        // A loose object takes any key; its catchall says of what type.
        const catchall = d.catchall as Schema | undefined;
        if (child) next.push(...unwrap(child));
        else if (catchall && def(catchall).type !== "never") next.push(...unwrap(catchall));
      } else if (d.type === "array" && typeof seg === "number") {
        next.push(...unwrap(d.element as Schema));
      }
    }
    current = next;
  }
  return current;
}

/**
 * The keys an object schema at `path` knows, for "did you mean" hints. Given the value found there,
 * a union of objects told apart by `type` (the sinks) offers only the keys of that value's type.
 */
export function keysAt(root: Schema, path: readonly (string | number)[], value?: unknown): string[] {
  const type = (value as { type?: unknown } | undefined)?.type;
  const keys = new Set<string>();
  for (const s of schemasAt(root, path)) {
    const d = def(s);
    if (d.type !== "object") continue;
    const shape = d.shape as Record<string, Schema>;
    const tag = shape.type ? unwrap(shape.type).flatMap(literalValues) : [];
    if (typeof type === "string" && tag.length > 0 && !tag.includes(type)) continue;
    for (const k of Object.keys(shape)) keys.add(k);
  }
  return [...keys];
}

function literalValues(s: Schema): unknown[] {
  const d = def(s);
  if (d.type === "literal") return d.values as unknown[];
  if (d.type === "enum") return Object.values(d.entries as object);
  return [];
}

function coerceScalar(value: string, targets: Schema[]): unknown {
  const v = value.trim();
  for (const t of targets) {
    const hit = literalValues(t).find((lit) => String(lit) === v);
    if (hit !== undefined) return hit;
  }
  const types = new Set(targets.map((t) => def(t).type));
  // A key of unknown type (inside a loose object) is read as a YAML scalar would be.
  if (types.has("unknown") || types.has("any")) return parseYaml(v);
  if (types.has("number") && v !== "" && Number.isFinite(Number(v))) return Number(v);
  if (types.has("boolean") && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  return value;
}

/**
 * Turns a string from the environment or a flag into the type the schema expects at that place:
 * numbers, booleans and literals by their text, lists split on commas, objects as YAML flow (`{a: 1}`).
 */
export function coerceText(value: string, targets: Schema[]): unknown {
  const types = new Set(targets.map((t) => def(t).type));
  const trimmed = value.trim();
  if ((types.has("array") || types.has("object") || types.has("record")) && /^[[{]/.test(trimmed))
    return parseYaml(trimmed);
  if (types.has("array") && !types.has("string")) {
    const elements = targets
      .filter((t) => def(t).type === "array")
      .flatMap((t) => unwrap(def(t).element as Schema));
    if (trimmed === "") return [];
    return trimmed.split(",").map((part) => coerceScalar(part.trim(), elements));
  }
  return coerceScalar(value, targets);
}

/** Sets `value` at `path` inside `target`, creating objects and arrays on the way. */
export function setIn(
  target: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
): void {
  let node: Record<string | number, unknown> = target;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      node[seg] = value;
      return;
    }
    const existing = node[seg];
    if (existing === null || typeof existing !== "object")
      node[seg] = typeof path[i + 1] === "number" ? [] : {};
    node = node[seg] as Record<string | number, unknown>;
  });
}
