import { type ParseArgsConfig, parseArgs } from "node:util";
import { ErrorCode, TwError } from "../errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv with node's parseArgs; unknown flags and missing values become TW_ARGS_INVALID. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new TwError(ErrorCode.ARGS_INVALID, (err as Error).message);
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

/** Parses a number flag within [min, max]. */
export function numberFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new TwError(
      ErrorCode.ARGS_INVALID,
      `--${name}: expected a number in [${min}, ${max}], got "${value}"`,
    );
  }
  return n;
}
