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

const CHUNK_BYTES = 1 << 20;
const SMALL_BYTES = 1 << 16;

/**
 * Encodes events as JSON Lines straight into byte chunks of about 1 MiB. Writing one big concatenated
 * string instead made the garbage collector the hot path.
 */
export class JsonlEncoder {
  private buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private pos = 0;

  /** Encodes the events; every chunk that filled up is pushed to `out` and belongs to the caller. */
  encode(events: readonly TraceEvent[], out: Buffer[]): void {
    for (let i = 0; i < events.length; i++) {
      const line = eventToJson(events[i]!);
      if (this.pos + line.length * 3 + 1 > this.buf.length) this.flush(out, line.length * 3 + 1);
      this.pos += this.buf.write(line, this.pos);
      this.buf[this.pos++] = 10;
    }
  }

  /** Pushes what is buffered, if anything, to `out`; small remainders are copied so the chunk is reused. */
  flush(out: Buffer[], minNext = 0): void {
    if (this.pos > 0 && this.pos < SMALL_BYTES && minNext <= this.buf.length) {
      out.push(Buffer.from(this.buf.subarray(0, this.pos)));
      this.pos = 0;
      return;
    }
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, minNext));
    this.pos = 0;
  }
}
