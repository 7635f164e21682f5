import type { TraceEvent } from "../event/index.js";

// JSON.stringify of a string is the correct escaper, but it costs ~75 ns a call. Most fields repeat
// (workflow, user type, endpoint, parameter names and values): their quoted form is memoized. Ids are
// scanned and quoted directly when they hold nothing to escape, which is always for the engine's.
const q = JSON.stringify;
const MEMO_MAX = 8192;
const memo = new Map<string, string>();

function quoteRepeated(s: string): string {
  let r = memo.get(s);
  if (r === undefined) {
    r = q(s);
    if (memo.size < MEMO_MAX) memo.set(s, r);
  }
  return r;
}

function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c - 0x20) >>> 0 > 0x5e || c === 0x22 || c === 0x5c) return q(s);
  }
  return `"${s}"`;
}

/**
 * A number as JSON writes it. Double-to-string costs ~130 ns; latencies are rounded to tenths by the
 * engine, and the shortest text of the double nearest k/10 is k/10 itself, which costs ~12 ns to write.
 */
function numberJson(x: number): string {
  if (x > 0 && x < 1e15 && !Number.isInteger(x)) {
    const k = Math.round(x * 10);
    if (k / 10 === x) return `${Math.floor(k / 10)}.${k % 10}`;
  }
  // NaN and the infinities are null in JSON.
  return Number.isFinite(x) ? `${x}` : "null";
}

function paramsJson(params: Record<string, string | number>): string {
  let out = "{";
  let first = true;
  for (const key in params) {
    const v = params[key]!;
    out += `${first ? "" : ","}${quoteRepeated(key)}:${typeof v === "number" ? numberJson(v) : quoteRepeated(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** Serializes one event as a JSON object (no newline), byte-identical to JSON.stringify of the event. */
export function eventToJson(e: TraceEvent): string {
  return (
    `{"event_id":${quote(e.event_id)},"timestamp":${quote(e.timestamp)},"workflow":${quoteRepeated(e.workflow)},` +
    `"user_id":${quote(e.user_id)},"user_type":${quoteRepeated(e.user_type)},"session_id":${quote(e.session_id)},` +
    `"call_index":${numberJson(e.call_index)},"endpoint":${quoteRepeated(e.endpoint)},"path":${e.path === e.endpoint ? quoteRepeated(e.path) : quote(e.path)},` +
    `"method":${quoteRepeated(e.method)},"params":${paramsJson(e.params)},"status_code":${numberJson(e.status_code)},` +
    `"response_time_ms":${numberJson(e.response_time_ms)},"is_retry":${e.is_retry},"cascade_id":${e.cascade_id === null ? "null" : quote(e.cascade_id)}` +
    (e.error === undefined ? "}" : `,"error":${e.error === null ? "null" : quote(e.error)}}`)
  );
}

/** Serializes a batch as JSON Lines, each line ending in a newline. */
export function eventsToJsonl(events: readonly TraceEvent[]): string {
  let out = "";
  for (let i = 0; i < events.length; i++) out += `${eventToJson(events[i]!)}\n`;
  return out;
}
