import type { Problem } from "../errors.js";
import { formatPath } from "./problems.js";

const TOKEN = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

function expand(
  text: string,
  env: NodeJS.ProcessEnv,
  path: (string | number)[],
  problems: Problem[],
): string {
  return text.replace(TOKEN, (token, inner: string | undefined) => {
    if (token === "$${") return "${";
    const m = NAME.exec(inner ?? "");
    if (!m) {
      problems.push({
        path: formatPath(path),
        message: `invalid reference "${token}": expected \${NAME} or \${NAME:-default}`,
      });
      return token;
    }
    const value = env[m[1]!];
    if (value !== undefined) return value;
    if (m[2] !== undefined) return m[2];
    problems.push({ path: formatPath(path), message: `environment variable ${m[1]} is not set` });
    return "";
  });
}

/**
 * Replaces `${VAR}` (or `${VAR:-default}`) in every string value with the environment's value;
 * `$${` stands for a literal `${`. A missing variable is a problem naming the path and the variable.
 */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === "string") return value.includes("${") ? expand(value, env, path, problems) : value;
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, problems, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}
