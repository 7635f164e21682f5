import type { TraceEvent } from "../sim/event.js";

// JSON.stringify of a string is the fastest correct escaper V8 has; the fields that are numbers,
// booleans or known-safe are written directly. Field order is EVENT_FIELDS.
const q = JSON.stringify;

function paramsJson(params: Record<string, string | number>): string {
  let out = "{";
  let first = true;
  for (const key in params) {
    const v = params[key]!;
    out += `${first ? "" : ","}${q(key)}:${typeof v === "number" ? v : q(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** Serializes one event as a JSON object (no newline), byte-identical to JSON.stringify of the event. */
export function eventToJson(e: TraceEvent): string {
  return (
    `{"event_id":${q(e.event_id)},"timestamp":"${e.timestamp}","workflow":${q(e.workflow)},` +
    `"user_id":${q(e.user_id)},"user_type":${q(e.user_type)},"session_id":${q(e.session_id)},` +
    `"call_index":${e.call_index},"endpoint":${q(e.endpoint)},"path":${q(e.path)},"method":"${e.method}",` +
    `"params":${paramsJson(e.params)},"status_code":${e.status_code},"response_time_ms":${e.response_time_ms},` +
    `"is_retry":${e.is_retry},"cascade_id":${e.cascade_id === null ? "null" : q(e.cascade_id)}}`
  );
}

/** Serializes a batch as JSON Lines, each line ending in a newline. */
export function eventsToJsonl(events: readonly TraceEvent[]): string {
  let out = "";
  for (let i = 0; i < events.length; i++) out += `${eventToJson(events[i]!)}\n`;
  return out;
}
