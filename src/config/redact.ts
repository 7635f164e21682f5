import type { InjectConfig } from "./cascade.js";
import type { Config } from "./schema.js";

const REDACTED = "[redacted]";

/** A part of a query key (split at `_`, `-`, `.`) that names a credential. */
const SECRET_PART =
  /^(token|key|apikey|secret|passw(or)?d|pwd|sig|signature|auth|authorization|credentials?)$/i;
/** A whole key that ends like one: `accessToken`, `apiKey`, `clientSecret`. */
const SECRET_END = /(token|apikey|secret|password)$/i;

/** Whether a query key's value is a credential: `token`, `api_key`, `X-Amz-Signature`, `client_secret`… */
function isSecretKey(key: string): boolean {
  return SECRET_END.test(key) || key.split(/[_.-]/).some((part) => SECRET_PART.test(part));
}

/**
 * A URL safe to print: credentials in its userinfo (`user:password@`) become `[redacted]`, and so do
 * the values of query keys that name a secret (`?token=…`, `api_key`, `sig`…), or of every query key
 * with `allQuery` (a webhook's query is its caller's to define: any key may be the secret). Text that
 * is not a URL comes back as it is. Anything that prints a target URL goes through here.
 */
export function redactUrl(text: string, opts: { allQuery?: boolean } = {}): string {
  const secret = opts.allQuery ? () => true : isSecretKey;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  const userinfo = url.username !== "" || url.password !== "";
  const secretQuery = [...url.searchParams.keys()].some(secret);
  if (!userinfo && !secretQuery) return text;
  let query = "";
  if (url.search !== "") {
    // Rebuilt by hand, not by URLSearchParams, so that `[redacted]` stays readable (unescaped).
    query = `?${url.search
      .slice(1)
      .split("&")
      .map((pair) => {
        const eq = pair.indexOf("=");
        const key = eq < 0 ? pair : pair.slice(0, eq);
        return secret(safeDecode(key)) ? `${key}=${REDACTED}` : pair;
      })
      .join("&")}`;
  }
  const auth = userinfo ? `${REDACTED}@` : "";
  return `${url.protocol}//${auth}${url.host}${url.pathname}${query}${url.hash}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return s;
  }
}

/**
 * A copy of the config safe to log: SASL passwords, TLS private keys (Kafka's and the target's), the
 * control token, target, OTLP and webhook headers, credentials in the target URL, and a webhook URL's
 * query and user info are replaced (see redactInject).
 */
export function redactConfig(config: Config): Config {
  const sinks = config.sinks.map((s) => {
    if (s.type === "otlp") {
      if (s.headers === undefined) return s;
      return { ...s, headers: Object.fromEntries(Object.keys(s.headers).map((k) => [k, REDACTED])) };
    }
    if (s.type !== "kafka") return s;
    const sasl = s.sasl ? { ...s.sasl, password: REDACTED } : s.sasl;
    const tls = typeof s.tls === "object" && s.tls.key !== undefined ? { ...s.tls, key: REDACTED } : s.tls;
    return { ...s, sasl, tls };
  });
  const control = config.control === undefined ? {} : { control: { ...config.control, token: REDACTED } };
  // Header values carry credentials (Authorization, API keys): none is ever logged.
  const target =
    config.target === undefined
      ? {}
      : {
          target: {
            ...config.target,
            url: redactUrl(config.target.url),
            headers: Object.fromEntries(Object.keys(config.target.headers).map((k) => [k, REDACTED])),
            ...(config.target.key !== undefined && { key: REDACTED }),
          },
        };
  const cascades = config.cascades.map((c) =>
    typeof c.inject === "object" ? { ...c, inject: redactInject(c.inject) } : c,
  );
  return { ...config, sinks, ...control, ...target, cascades };
}

/**
 * A cascade's injectors safe to show (logged config, `GET /control/cascades`): a webhook's header
 * values, and its URL's user info and query values, become `[redacted]`; Toxiproxy's URL goes through
 * redactUrl.
 */
export function redactInject(inject: InjectConfig): InjectConfig {
  const { webhook: hook, toxiproxy: toxi } = inject;
  const out = { ...inject };
  if (toxi !== undefined) out.toxiproxy = { ...toxi, url: redactUrl(toxi.url) };
  if (hook !== undefined) {
    const headers = Object.fromEntries(Object.keys(hook.headers).map((k) => [k, REDACTED]));
    out.webhook = { ...hook, url: redactUrl(hook.url, { allQuery: true }), headers };
  }
  return out;
}
