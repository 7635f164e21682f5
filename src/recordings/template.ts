/**
 * Path templating for raw access logs (fit learns workflows from them; HTTP metrics label by them): concrete paths such as `/api/users/42/orders` become endpoint
 * templates such as `/api/users/{id}/orders`, with the values of each parameter kept for the workflow.
 */

const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Hex of 8 or more with a digit: hashes and object ids, but not words such as "deadbeef" or "facade".
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;
// Opaque tokens (base64url ids, slugs with numbers): long, id-like characters, at least one digit.
const TOKEN = /^(?=.*\d)[A-Za-z0-9_-]{20,}$/;

/** Whether a path segment looks like an identifier rather than a fixed name. */
export function isIdSegment(segment: string): boolean {
  return NUMERIC.test(segment) || UUID.test(segment) || HEX.test(segment) || TOKEN.test(segment);
}

/** A templated path and the value of each of its parameters. */
export interface Templated {
  endpoint: string;
  params: Record<string, string>;
}

interface UserTemplate {
  text: string;
  /** Per segment: a fixed name, or the parameter it fills. */
  segments: Segment[];
}

type Segment = { literal: string; param?: undefined } | { param: string; literal?: undefined };

function compile(text: string): UserTemplate {
  const segments: Segment[] = text.split("/").map((s) => {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(s);
    return m ? { param: m[1]! } : { literal: s };
  });
  return { text, segments };
}

function matchUser(t: UserTemplate, parts: readonly string[]): Record<string, string> | null {
  if (t.segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = t.segments[i]!;
    const part = parts[i]!;
    if (seg.param !== undefined) {
      if (part === "") return null;
      params[seg.param] = part;
    } else if (seg.literal !== part) return null;
  }
  return params;
}

/** Templates paths: the user's templates first (the first that matches wins), else id-like segments. */
export class Templater {
  private readonly templates: UserTemplate[];

  constructor(templates: readonly string[] = []) {
    this.templates = templates.map(compile);
  }

  /** The endpoint template of a concrete path (without its query) and the values of its parameters. */
  template(path: string): Templated {
    const parts = path.split("/");
    for (const t of this.templates) {
      const params = matchUser(t, parts);
      if (params !== null) return { endpoint: t.text, params };
    }
    const params: Record<string, string> = {};
    let n = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (!isIdSegment(part)) continue;
      n++;
      const name = n === 1 ? "id" : `id${n}`;
      params[name] = part;
      parts[i] = `{${name}}`;
    }
    return { endpoint: n === 0 ? path : parts.join("/"), params };
  }
}

/** The values a concrete path gives the `{name}` parameters of its endpoint template (Event v1 keeps both). */
export class PathParams {
  private readonly compiled = new Map<string, UserTemplate | null>();

  /** {} when the endpoint has no parameters or the path does not line up with it. */
  of(endpoint: string, path: string): Record<string, string> {
    let t = this.compiled.get(endpoint);
    if (t === undefined) {
      t = endpoint.includes("{") ? compile(endpoint) : null;
      this.compiled.set(endpoint, t);
    }
    return t === null ? {} : (matchUser(t, path.split("/")) ?? {});
  }
}
