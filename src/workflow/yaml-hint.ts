// Endpoint templates such as /api/products/{id} are plain scalars that YAML reads fine in block style,
// but inside a flow map `{ … }` their braces open and close a nested map, and the parser reports an
// error that does not mention quoting. This finds such a scalar at the error's position.

/** A plain scalar with a `{…}` inside it (not at its start): an endpoint template written unquoted. */
const BRACED = /[^\s"',{}[\]]+\{[^\s"',{}[\]]*\}[^\s"',{}[\]:]*/g;

/** A hint to quote the key or value with braces at 1-based column `col` of `line`, if there is one. */
export function braceHint(line: string, col: number): string | undefined {
  for (const m of line.matchAll(BRACED)) {
    const start = m.index;
    const end = start + m[0].length;
    // The parser stops inside the scalar or just after it (at the colon that follows a key).
    if (col - 1 < start || col - 1 > end) continue;
    const isKey = /^\s*:/.test(line.slice(end));
    return isKey ? `quote keys that contain { }: "${m[0]}":` : `quote values that contain { }: "${m[0]}"`;
  }
  return undefined;
}
