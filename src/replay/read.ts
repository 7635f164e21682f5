import { open } from "node:fs/promises";
import { cannotRead, ErrorCode, TwError } from "../errors.js";
import { readAccessLog } from "./access-log.js";
import { readEventRecording } from "./events.js";
import { callFilter, type FilterOptions, type Recording, shapeRecording } from "./shape.js";

/** Formats of a recording: Event v1 as JSONL or Parquet, or an nginx/Apache access log. */
export type RecordingFormat = "jsonl" | "parquet" | "combined";
export const RECORDING_FORMATS: readonly RecordingFormat[] = ["jsonl", "parquet", "combined"];

/** Access logs: a client's calls split into sessions at this much silence, by default. */
export const DEFAULT_GAP_MS = 30 * 60_000;

export interface RecordingOptions extends FilterOptions {
  /**
   * Default: `.parquet` is Parquet, `.log` a combined log, `-` (stdin) JSONL; any other file is
   * JSONL when its first non-blank character is `{`, else a combined log.
   */
  format?: RecordingFormat;
  /** N copies of each session (default 1), their starts spread over one second. */
  multiply?: number;
  /** Access logs: split a client's calls into sessions at this much silence (default 30 min). */
  gapMs?: number;
}

function badOption(message: string): TwError {
  return new TwError(ErrorCode.ARGS_INVALID, message);
}

function checkOptions(opts: RecordingOptions): void {
  const { from, to, multiply, gapMs } = opts;
  if (from !== undefined && !Number.isFinite(from))
    throw badOption(`replay: from must be a time, got ${from}`);
  if (to !== undefined && !Number.isFinite(to)) throw badOption(`replay: to must be a time, got ${to}`);
  if (from !== undefined && to !== undefined && from >= to) {
    throw badOption(`replay: the window is empty (from ${iso(from)} is not before to ${iso(to)})`);
  }
  if (multiply !== undefined && !(Number.isSafeInteger(multiply) && multiply >= 1)) {
    throw badOption(`replay: multiply must be an integer >= 1, got ${multiply}`);
  }
  if (gapMs !== undefined && !(Number.isFinite(gapMs) && gapMs > 0)) {
    throw badOption(`replay: the session gap must be > 0 ms, got ${gapMs}`);
  }
  if (opts.format !== undefined && !RECORDING_FORMATS.includes(opts.format)) {
    throw badOption(`replay: format must be one of ${RECORDING_FORMATS.join(", ")}, got ${opts.format}`);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The first non-blank character of a file's first 64 KiB ("" when there is none). */
async function firstChar(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, cannotRead(path, "input", err), { cause: err });
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(65_536), 0, 65_536, 0);
    const head = buffer
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    return head.trimStart().charAt(0);
  } finally {
    await handle.close();
  }
}

/** The format `readRecording` reads `path` in (see RecordingOptions.format). */
export async function recordingFormat(path: string, format?: RecordingFormat): Promise<RecordingFormat> {
  if (format !== undefined) return format;
  if (path === "-") return "jsonl";
  const lower = path.toLowerCase();
  if (lower.endsWith(".parquet")) return "parquet";
  if (lower.endsWith(".log")) return "combined";
  const c = await firstChar(path);
  return c === "{" || c === "" ? "jsonl" : "combined";
}

/**
 * Reads a recording into the sessions replay sends: filtered to [from, to) and the endpoint globs,
 * calls rebased on time zero (the first call left), `multiply` copies made, sorted by start.
 *
 * It holds the whole recording in memory, because sessions must be complete and sorted before the
 * first send: measured on `generate` output, 1M Event v1 calls keep ~215 MB of heap (~370 MB RSS) and
 * take ~10 s to read on a busy 2-core machine; 3.3M calls ~700 MB heap, ~1 GB RSS. Throws a TwError
 * (TW_INPUT_INVALID, exit 2) naming `file:line` for bad input, and when no call is left.
 */
export async function readRecording(file: string, opts: RecordingOptions = {}): Promise<Recording> {
  checkOptions(opts);
  const format = await recordingFormat(file, opts.format);
  const keep = callFilter(opts);
  // Event v1 sessions are given, so calls can be dropped as they are read; an access log's sessions
  // come from the gaps between all of a client's calls, so it is filtered after they are split.
  const raw =
    format === "combined"
      ? await readAccessLog(file, opts.gapMs ?? DEFAULT_GAP_MS)
      : await readEventRecording(file, format, keep);
  const recording = shapeRecording(raw, format === "combined" ? keep : undefined, opts.multiply ?? 1);
  if (recording === null) {
    const name = file === "-" ? "stdin" : file;
    const why = raw.filtered > 0 || keep ? " after --from/--to/--endpoints" : "";
    const skipped =
      raw.skipped === 1 ? ", 1 line skipped" : raw.skipped > 1 ? `, ${raw.skipped} lines skipped` : "";
    const message = `no calls to replay${why} (${format}${skipped})`;
    throw new TwError(ErrorCode.INPUT_INVALID, `${name}: ${message}`, {
      problems: [{ path: name, message }],
    });
  }
  return recording;
}
