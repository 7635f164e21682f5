import { ErrorCode, TwError } from "../errors.js";
import {
  DEFAULT_GAP_MS,
  inputName,
  RECORDING_FORMATS,
  type RecordingFormat,
  readSessions,
} from "../recordings/index.js";
import { callFilter, type FilterOptions, type Recording, shapeRecording } from "./shape.js";

export interface RecordingOptions extends FilterOptions {
  /**
   * Default: `.parquet` is Parquet, `.log` (`.log.gz`) a combined log; anything else (stdin too) is
   * JSONL when its first non-blank line starts with `{`, else a combined log.
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
  const keep = callFilter(opts);
  // Event v1 sessions are given, so calls can be dropped as they are read; an access log's sessions
  // come from the gaps between all of a client's calls, so it is filtered after they are split.
  const { format, raw } = await readSessions(file, {
    ...(opts.format === undefined ? {} : { format: opts.format }),
    gapMs: opts.gapMs ?? DEFAULT_GAP_MS,
    ...(keep === undefined ? {} : { keep }),
  });
  const recording = shapeRecording(raw, format === "combined" ? keep : undefined, opts.multiply ?? 1);
  if (recording === null) {
    const name = inputName(file);
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
