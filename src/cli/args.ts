import { type ParseArgsConfig, parseArgs } from "node:util";
import { closest } from "../config/closest.js";
import { parseDuration } from "../config/duration-text.js";
import { AutoShardError, parseShard, resolveAutoShard } from "../config/shard.js";
import { ErrorCode, TwError } from "../errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** A value that starts with a dash but is a number, not a flag: `-5`, `-0.1`, `-.5`, `-1e3`. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * Joins `--flag -5` into `--flag=-5` for string flags, so that a negative number reaches the flag's
 * own check (which names the flag and the accepted range) instead of node's "argument is ambiguous".
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === "--") return [...out, ...argv.slice(i)];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    if (name && options[name]?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** ` (did you mean --x?)` for an unknown flag near a known one (edit distance <= 2), else "". */
export function flagHint(message: string, options: Options): string {
  const unknown = /^Unknown option '(-{1,2})([^'=]+)'/.exec(message);
  if (!unknown) return "";
  const known = [...Object.keys(options), "help", "verbose"];
  const near = closest(unknown[2]!, known);
  return near === undefined ? "" : ` (did you mean --${near}?)`;
}

/** Parses argv with node's parseArgs; unknown flags (with the nearest known one) and missing values become TW_ARGS_INVALID. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true });
  } catch (err) {
    const message = (err as Error).message;
    throw new TwError(ErrorCode.ARGS_INVALID, `${message}${flagHint(message, options)}`);
  }
}

/** Parses a non-negative integer flag, naming the flag when it is not one. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new TwError(ErrorCode.ARGS_INVALID, `--${name}: expected an integer >= ${min}, got "${value}"`);
  }
  return n;
}

/** Parses a number flag within [min, max]; `expected` replaces "a number in [min, max]" in the message. */
export function numberFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
  expected = `a number in [${min}, ${max}]`,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new TwError(ErrorCode.ARGS_INVALID, `--${name}: expected ${expected}, got "${value}"`);
  }
  return n;
}

/** The value of a flag that must be given, or TW_ARGS_INVALID naming it, followed by the usage. */
export function requiredFlag(name: string, value: string | undefined, usage: string): string {
  if (value === undefined || value === "") {
    throw new TwError(ErrorCode.ARGS_INVALID, `--${name} is required\n\n${usage}`);
  }
  return value;
}

function badFlag(name: string, message: string): TwError {
  return new TwError(ErrorCode.ARGS_INVALID, `--${name}: ${message}`);
}

/** Parses a duration flag (`30s`, `1h30m`, `250ms`) of at least `minMs`, naming the flag. */
export function durationFlag<F extends number | undefined>(
  name: string,
  value: string | undefined,
  fallback: F,
  minMs = 0,
): number | F {
  if (value === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw badFlag(name, (err as Error).message);
  }
  if (ms < minMs) {
    const least = minMs === 1 ? "a duration > 0" : `at least ${minMs} ms`;
    throw badFlag(name, `expected ${least}, got "${value}"`);
  }
  return ms;
}

/** Parses an ISO-8601 instant flag to epoch ms, naming the flag; `now` when `allowNow`. */
export function instantFlag(name: string, value: string | undefined, allowNow = false): number | undefined {
  if (value === undefined) return undefined;
  if (allowNow && value.trim().toLowerCase() === "now") return Date.now();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    const now = allowNow ? " or now" : "";
    throw badFlag(name, `expected an ISO-8601 instant${now}, got "${value}"`);
  }
  return ms;
}

/**
 * Parses a shard flag, `k/N` with 0 <= k < N or `auto/N` (k from this replica's environment, as the
 * config's `shard:` reads it), naming the flag. Every command that splits its users takes both.
 */
export function shardFlag(
  name: string,
  value: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { index: number; count: number } {
  if (value === undefined) return { index: 0, count: 1 };
  let text = value;
  try {
    text = resolveAutoShard(value, env)?.shard ?? value;
  } catch (err) {
    if (err instanceof AutoShardError) throw badFlag(name, err.message);
    throw err;
  }
  const shard = parseShard(text);
  if (shard === null) throw badFlag(name, `expected k/N with 0 <= k < N, or auto/N, got "${value}"`);
  return shard;
}

/** A flag's value that must be one of `allowed`; the first is the default. */
export function choiceFlag<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T {
  if (value === undefined) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(value)) {
    throw badFlag(name, `expected one of ${allowed.join(", ")}, got "${value}"`);
  }
  return value as T;
}
