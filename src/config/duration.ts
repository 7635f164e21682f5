import { z } from "zod";
import { DURATION_RE, parseDuration } from "./duration-text.js";

export { DURATION_PATTERN, formatDuration, parseDuration } from "./duration-text.js";

/** A duration field: a string like `90m` or a number of seconds, parsed to milliseconds. */
export function durationSchema() {
  return z
    .union([
      z.string().regex(DURATION_RE, { error: "expected a duration such as 500ms, 30s, 90m, 1h30m or 24h" }),
      z.number().nonnegative({ error: "expected a duration >= 0 (a number is seconds)" }),
    ])
    .transform((v) => parseDuration(v));
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$/i;

/** A size in bytes: a number, or a string such as `100MB` or `64MiB`. */
export function bytesSchema() {
  return z
    .union([
      z.string().regex(SIZE_RE, { error: "expected a size such as 1048576, 100MB or 64MiB" }),
      z.number().int().positive(),
    ])
    .transform((v) => {
      if (typeof v === "number") return v;
      const m = SIZE_RE.exec(v)!;
      return Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? "b").toLowerCase()] ?? 1));
    });
}
