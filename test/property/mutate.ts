// Mutations of a valid value or text, so a property meets near-misses (one field wrong) and not only
// random junk, which a parser rejects at its first character.
import fc from "fast-check";

/** Junk to put in a field: any JSON value, NaN, a huge or negative number, or a deletion. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constant(undefined),
  fc.double(),
  fc.constantFrom(Number.NaN, -1, 0, 1e308, "", "0s", "-5m", "$" + "{NOPE}"),
);

/** A copy of `value` with the field reached by `path` (indices into each level's keys) set to `to`. */
export function mutateAt(value: unknown, path: number[], to: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let i = 0; i < path.length; i++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[path[i]! % keys.length]!;
    const child = node[key];
    if (i === path.length - 1 || child === null || typeof child !== "object") {
      if (to === undefined) delete node[key];
      else node[key] = to;
      break;
    }
    node = child as Record<string, unknown>;
  }
  return copy;
}

/** `value` with one field, up to `depth` levels down, mutated. */
export function mutated(value: unknown, depth = 3): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: depth }), junk)
    .map(([path, to]) => mutateAt(value, path, to));
}

/** `text` with a character at some place replaced by up to two others (or removed). */
export function mutatedText(text: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(), fc.string({ maxLength: 2 })).map(([at, with_]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + with_ + text.slice(i + 1);
  });
}
