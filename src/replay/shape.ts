import { globToRegExp } from "../cascade/modifier.js";
import type { CallFilter, RawRecording, RawSession } from "../recordings/index.js";
import type { RecordedSession } from "./types.js";

/** Which calls of a recording to keep. */
export interface FilterOptions {
  /** Epoch ms window of the recording, [from, to). */
  from?: number;
  to?: number;
  /** `*` globs on the endpoint template (Event v1) or the path (access logs). */
  endpoints?: readonly string[];
}

/** A recording ready to replay. */
export interface Recording {
  /** Sorted by their first call's `at`, then sessionId; each has at least one call. */
  sessions: RecordedSession[];
  /** Epoch ms of time zero: the first call left after the filters. */
  startMs: number;
  /** Epoch ms of the last call (a `multiply` copy's shift included): `endMs - startMs` is the span. */
  endMs: number;
  /** Calls in `sessions` (copies included). */
  calls: number;
  /** Lines that are no replayable call (access logs: HEAD, OPTIONS, junk request lines). */
  skipped: number;
  /** Calls of the recording dropped by `from`/`to`/`endpoints` (counted once, before `multiply`). */
  filtered: number;
}

/** The filter `from`, `to` and `endpoints` make (on epoch ms), or undefined when they keep everything. */
export function callFilter(opts: FilterOptions): CallFilter | undefined {
  const { from, to, endpoints } = opts;
  const re = endpoints && endpoints.length > 0 ? globToRegExp(endpoints) : undefined;
  if (from === undefined && to === undefined && re === undefined) return undefined;
  const lo = from ?? Number.NEGATIVE_INFINITY;
  const hi = to ?? Number.POSITIVE_INFINITY;
  return (c) => c.at >= lo && c.at < hi && (re === undefined || re.test(c.endpoint));
}

/** Drops the calls `keep` refuses and the sessions left empty; returns how many calls went. */
function applyFilter(sessions: RawSession[], keep: CallFilter | undefined): number {
  if (keep === undefined) return 0;
  let dropped = 0;
  let w = 0;
  for (const s of sessions) {
    const before = s.calls.length;
    s.calls = s.calls.filter(keep);
    dropped += before - s.calls.length;
    if (s.calls.length > 0) sessions[w++] = s;
  }
  sessions.length = w;
  return dropped;
}

/** The shift of copy k of n: copies start spread evenly over one second, copy 0 unshifted. */
export function copyOffset(k: number, n: number): number {
  return Math.floor((k * 1000) / n);
}

/**
 * Copy k >= 1 of each session: id `<id>~<k>`, user `<user>~<k>`, calls shifted by copyOffset(k, n).
 * Copies share the params objects of the original (read them, never change them).
 */
function multiply(sessions: RecordedSession[], n: number): RecordedSession[] {
  if (n <= 1) return sessions;
  const out: RecordedSession[] = [...sessions];
  for (let k = 1; k < n; k++) {
    const shift = copyOffset(k, n);
    for (const s of sessions) {
      out.push({
        ...s,
        sessionId: `${s.sessionId}~${k}`,
        userId: `${s.userId}~${k}`,
        calls: s.calls.map((c) => ({ ...c, at: c.at + shift })),
      });
    }
  }
  return out;
}

function bySessionStart(a: RecordedSession, b: RecordedSession): number {
  const d = a.calls[0]!.at - b.calls[0]!.at;
  if (d !== 0) return d;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

/**
 * Filters a reader's sessions (epoch ms in `at`) by `keep` (undefined when the reader did already),
 * rebases every call on time zero (the first call left), makes `copies` of each session and sorts
 * the sessions. Changes `raw` in place; pure otherwise. Returns null when no call is left.
 */
export function shapeRecording(
  raw: RawRecording,
  keep: CallFilter | undefined,
  copies: number,
): Recording | null {
  const filtered = raw.filtered + applyFilter(raw.sessions, keep);
  if (raw.sessions.length === 0) return null;
  let startMs = Number.POSITIVE_INFINITY;
  for (const s of raw.sessions) startMs = Math.min(startMs, s.calls[0]!.at);
  for (const s of raw.sessions) for (const c of s.calls) c.at -= startMs;
  const sessions = multiply(raw.sessions, copies).sort(bySessionStart);
  let last = 0;
  let calls = 0;
  for (const s of sessions) {
    last = Math.max(last, s.calls[s.calls.length - 1]!.at);
    calls += s.calls.length;
  }
  return { sessions, startMs, endMs: startMs + last, calls, skipped: raw.skipped, filtered };
}
