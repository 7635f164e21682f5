import type { HttpMethod } from "../event/index.js";

/** The parts of a request a call makes: method, path with query, and a JSON body for writes. */
export interface RequestParts {
  method: HttpMethod;
  path: string;
  body: string | null;
}

const WITH_BODY: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH"]);

/** Characters `URLSearchParams` writes as they are: a key or value of only these needs no encoding. */
const PLAIN = /^[A-Za-z0-9*\-._]*$/;

/** The query string of `params`, byte for byte as `URLSearchParams` writes it; "" for none. */
function queryOf(params: Readonly<Record<string, string | number>>): string {
  let q = "";
  for (const k in params) {
    const v = String(params[k]);
    if (!PLAIN.test(k) || !PLAIN.test(v)) return slowQuery(params);
    q += q === "" ? `${k}=${v}` : `&${k}=${v}`;
  }
  return q;
}

function slowQuery(params: Readonly<Record<string, string | number>>): string {
  const q = new URLSearchParams();
  for (const k in params) q.append(k, String(params[k]));
  return q.toString();
}

/**
 * A call as an HTTP request under `prefix` (the target URL's path): GET and DELETE carry their
 * parameters as the query string; POST, PUT and PATCH as a JSON object in the body. Fills `into`
 * when given (the sender's one record), else a new one.
 */
export function requestOf(
  prefix: string,
  method: HttpMethod,
  path: string,
  params: Readonly<Record<string, string | number>>,
  into: RequestParts = { method, path: "", body: null },
): RequestParts {
  const full = prefix + path;
  into.method = method;
  if (WITH_BODY.has(method)) {
    let any = false;
    for (const _ in params) {
      any = true;
      break;
    }
    into.path = full;
    into.body = any ? JSON.stringify(params) : "{}";
    return into;
  }
  const q = queryOf(params);
  into.path = q === "" ? full : `${full}?${q}`;
  into.body = null;
  return into;
}

/** The target URL's path as a prefix of every call's path: "" for the root, no trailing slash. */
export function pathPrefix(url: URL): string {
  return url.pathname.replace(/\/+$/, "");
}
