import type { Config } from "./schema.js";

const REDACTED = "[redacted]";

/** A copy of the config safe to log: SASL passwords, TLS private keys, the control token, target and webhook headers (and a webhook URL's query and user info) are replaced. */
export function redactConfig(config: Config): Config {
  const sinks = config.sinks.map((s) => {
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
            headers: Object.fromEntries(Object.keys(config.target.headers).map((k) => [k, REDACTED])),
          },
        };
  const cascades = config.cascades.map((c) => {
    const hook = typeof c.inject === "object" ? c.inject.webhook : undefined;
    if (typeof c.inject !== "object" || hook === undefined) return c;
    const headers = Object.fromEntries(Object.keys(hook.headers).map((k) => [k, REDACTED]));
    return { ...c, inject: { ...c.inject, webhook: { ...hook, url: redactUrl(hook.url), headers } } };
  });
  return { ...config, sinks, ...control, ...target, cascades };
}

/** A URL without its user info and query, where secrets hide (a webhook's token). */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.username !== "" || u.password !== "") [u.username, u.password] = [REDACTED, ""];
  if (u.search !== "") u.search = `?${REDACTED}`;
  return u.toString();
}
