import { ErrorCode, TwError } from "../errors.js";

/** Formats of a recording: Event v1 as JSONL or Parquet, or an nginx/Apache access log. */
export type RecordingFormat = "jsonl" | "parquet" | "combined";
export const RECORDING_FORMATS: readonly RecordingFormat[] = ["jsonl", "parquet", "combined"];

/** `--format`'s value checked, naming the flag. */
export function checkFormat(value: string | undefined, flag = "--format"): RecordingFormat | undefined {
  if (value === undefined || RECORDING_FORMATS.includes(value as RecordingFormat)) {
    return value as RecordingFormat | undefined;
  }
  throw new TwError(
    ErrorCode.ARGS_INVALID,
    `${flag}: expected one of ${RECORDING_FORMATS.join(", ")}, got "${value}"`,
  );
}

/**
 * The format its name gives a recording, before a byte is read: the one asked for, else `.parquet`
 * is Parquet and `.log` an access log (`.gz` after either allowed for `.log`); undefined when the
 * first line must tell (the one rule every command follows).
 */
export function formatByName(path: string, format?: RecordingFormat): RecordingFormat | undefined {
  if (format !== undefined) return format;
  if (path === "-") return undefined;
  const lower = path.toLowerCase().replace(/\.gz$/, "");
  if (lower.endsWith(".parquet")) return "parquet";
  if (lower.endsWith(".log")) return "combined";
  return undefined;
}

/** The format a recording's first non-blank line gives it: `{` starts Event v1 JSONL, else a log line. */
export function formatOfLine(text: string): "jsonl" | "combined" {
  return text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("{")
    ? "jsonl"
    : "combined";
}
