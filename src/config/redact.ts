import type { Config } from "./schema.js";

const REDACTED = "[redacted]";

/** A copy of the config safe to log: SASL passwords, TLS private keys, the control token, target and OTLP headers are replaced. */
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
            headers: Object.fromEntries(Object.keys(config.target.headers).map((k) => [k, REDACTED])),
          },
        };
  return { ...config, sinks, ...control, ...target };
}
