import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Accepts `500ms`, `30s`, `90m`, `1h30m`, `1.5h`, `2d`; a bare number is seconds. */
export const DURATION_PATTERN = "^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$";
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/** Parses a duration such as `1h30m`, `500ms` or a number of seconds into milliseconds; throws on anything else. */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0)
      throw new Error(`invalid duration ${input}: expected seconds >= 0`);
    return Math.round(input * 1000);
  }
  const s = input.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!DURATION_RE.test(s)) {
    throw new Error(`invalid duration "${input}": expected e.g. 500ms, 30s, 90m, 1h30m, 24h or seconds`);
  }
  let ms = 0;
  for (const m of s.matchAll(PART_RE)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return Math.round(ms);
}

/** Formats milliseconds back into the shortest duration string, e.g. 5_400_000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}

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
