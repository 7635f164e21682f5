import { LogSessions, parseLogLine } from "./access-log.js";
import { checkCallEvent, EventGrouper, parquetCalls } from "./events.js";
import { formatByName, formatOfLine, type RecordingFormat } from "./format.js";
import { invalidInput, lines } from "./input.js";
import { type CallFilter, Interner, type RawRecording } from "./raw.js";

/** Access logs: a client's calls split into sessions at this much silence, by default (fit's and replay's). */
export const DEFAULT_GAP_MS = 30 * 60_000;

export interface SessionReadOptions {
  /** Default: by name, else by the first line (see formatByName, formatOfLine). */
  format?: RecordingFormat;
  /** Access logs: split a client's calls into sessions at this much silence (default 30 min). */
  gapMs?: number;
  /** Event v1: drops calls as they are read, to save memory (a log's are split into sessions first). */
  keep?: CallFilter;
}

/** Reads a whole recording into sessions, and says which format it was read in. */
export async function readSessions(
  path: string,
  o: SessionReadOptions = {},
): Promise<{ format: RecordingFormat; raw: RawRecording }> {
  const named = formatByName(path, o.format);
  if (named === "parquet") {
    const grouper = new EventGrouper(o.keep);
    for await (const e of parquetCalls(path)) grouper.add(e);
    return { format: named, raw: { sessions: grouper.sessions(), skipped: 0, filtered: grouper.filtered } };
  }
  let format = named;
  const grouper = new EventGrouper(o.keep);
  const log = new LogSessions();
  const strings = new Interner();
  let skipped = 0;
  for await (const { text, where } of lines(path)) {
    format ??= formatOfLine(text);
    if (format === "combined") {
      const got = parseLogLine(text, where, strings);
      if (got === null) skipped++;
      else log.add(got);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw invalidInput(where, `malformed JSON (${(err as Error).message})`);
    }
    grouper.add(checkCallEvent(raw, where));
  }
  format ??= "jsonl";
  const raw: RawRecording =
    format === "combined"
      ? { sessions: log.sessions(o.gapMs ?? DEFAULT_GAP_MS), skipped, filtered: 0 }
      : { sessions: grouper.sessions(), skipped: 0, filtered: grouper.filtered };
  return { format, raw };
}
