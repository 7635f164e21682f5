import type { HttpMethod } from "../event/index.js";

/** The parts of a request a call makes: method, path with query, and a JSON body for writes. */
export interface RequestParts {
  method: HttpMethod;
  path: string;
  body: string | null;
}

const WITH_BODY: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH"]);

/**
 * A call as an HTTP request under `prefix` (the target URL's path): GET and DELETE carry their
 * parameters as the query string; POST, PUT and PATCH as a JSON object in the body.
 */
export function requestOf(
  prefix: string,
  method: HttpMethod,
  path: string,
  params: Readonly<Record<string, string | number>>,
): RequestParts {
  const full = prefix + path;
  let any = false;
  for (const _ in params) {
    any = true;
    break;
  }
  if (!any) return { method, path: full, body: WITH_BODY.has(method) ? "{}" : null };
  if (WITH_BODY.has(method)) return { method, path: full, body: JSON.stringify(params) };
  const q = new URLSearchParams();
  for (const k in params) q.append(k, String(params[k]));
  return { method, path: `${full}?${q.toString()}`, body: null };
}

/** The target URL's path as a prefix of every call's path: "" for the root, no trailing slash. */
export function pathPrefix(url: URL): string {
  return url.pathname.replace(/\/+$/, "");
}
