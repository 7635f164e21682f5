// Durations as text (`1h30m` <-> ms), with no imports: the CLI's flags parse durations without loading
// zod, which costs a command such as `fit` about 45 ms of start-up (the schemas are in duration.ts).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Accepts `500ms`, `30s`, `90m`, `1h30m`, `1.5h`, `2d`; a bare number is seconds. */
export const DURATION_PATTERN = "^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$";
export const DURATION_RE = new RegExp(DURATION_PATTERN);
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
