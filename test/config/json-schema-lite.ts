/**
 * A small JSON Schema (draft 2020-12) checker for the keywords our schemas use, so that tests can check
 * example configs against the published schema without another dependency. Unknown keywords fail.
 */
type Node = Record<string, unknown>;

const KEYWORDS = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "default",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "anyOf",
  "oneOf",
  "const",
  "enum",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "format",
  "propertyNames",
]);

/** Keywords in `schema` (at any depth) that this checker does not know. */
export function unknownKeywords(schema: unknown, path = "#"): string[] {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return [];
  const node = schema as Node;
  const out = Object.keys(node)
    .filter((k) => !KEYWORDS.has(k))
    .map((k) => `${path}/${k}`);
  for (const [k, v] of Object.entries(node.properties ?? {}))
    out.push(...unknownKeywords(v, `${path}/properties/${k}`));
  for (const key of ["items", "additionalProperties", "propertyNames"]) {
    if (typeof node[key] === "object") out.push(...unknownKeywords(node[key], `${path}/${key}`));
  }
  for (const key of ["anyOf", "oneOf"]) {
    const list = (node[key] as unknown[]) ?? [];
    for (const [i, v] of list.entries()) out.push(...unknownKeywords(v, `${path}/${key}/${i}`));
  }
  return out;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "null":
      return v === null;
    default:
      return typeof v === type;
  }
}

function checkScalar(s: Node, v: unknown, path: string): string[] {
  const errs: string[] = [];
  if (typeof v === "number") {
    if (typeof s.minimum === "number" && v < s.minimum) errs.push(`${path}: < minimum`);
    if (typeof s.maximum === "number" && v > s.maximum) errs.push(`${path}: > maximum`);
    if (typeof s.exclusiveMinimum === "number" && v <= s.exclusiveMinimum)
      errs.push(`${path}: <= exclusiveMinimum`);
  }
  if (typeof v === "string") {
    if (typeof s.minLength === "number" && v.length < s.minLength)
      errs.push(`${path}: shorter than minLength`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v)) errs.push(`${path}: pattern`);
  }
  return errs;
}

function checkObject(s: Node, v: Node, path: string): string[] {
  const errs: string[] = [];
  const props = (s.properties ?? {}) as Record<string, Node>;
  for (const r of (s.required as string[]) ?? []) if (!(r in v)) errs.push(`${path}/${r}: required`);
  for (const [k, val] of Object.entries(v)) {
    const extra = s.additionalProperties;
    if (props[k]) errs.push(...validate(props[k], val, `${path}/${k}`));
    else if (extra === false) errs.push(`${path}/${k}: additional property`);
    else if (typeof extra === "object" && extra) errs.push(...validate(extra as Node, val, `${path}/${k}`));
  }
  return errs;
}

/** Errors of `value` against `schema` (empty when valid). */
export function validate(schema: Node, value: unknown, path = "#"): string[] {
  const errs: string[] = [];
  const types = typeof schema.type === "string" ? [schema.type] : (schema.type as string[] | undefined);
  if (types && !types.some((t) => typeMatches(t, value))) return [`${path}: not ${types.join("|")}`];
  if ("const" in schema && schema.const !== value)
    return [`${path}: not const ${JSON.stringify(schema.const)}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path}: not in enum`];
  if (
    Array.isArray(schema.anyOf) &&
    !schema.anyOf.some((s) => validate(s as Node, value, path).length === 0)
  ) {
    errs.push(`${path}: matches no anyOf`);
  }
  if (Array.isArray(schema.oneOf)) {
    const n = schema.oneOf.filter((s) => validate(s as Node, value, path).length === 0).length;
    if (n !== 1) errs.push(`${path}: matches ${n} of oneOf`);
  }
  errs.push(...checkScalar(schema, value, path));
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errs.push(`${path}: minItems`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errs.push(`${path}: maxItems`);
    if (schema.items)
      value.forEach((v, i) => {
        errs.push(...validate(schema.items as Node, v, `${path}/${i}`));
      });
  } else if (typeMatches("object", value)) {
    errs.push(...checkObject(schema, value as Node, path));
  }
  return errs;
}
