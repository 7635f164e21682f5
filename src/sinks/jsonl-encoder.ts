import {
  type EndpointText,
  EngineEvent,
  MinuteText,
  type SessionText,
  type TraceEvent,
} from "../event/index.js";
import {
  bytesOf,
  NUMBER_ROOM,
  putAscii,
  putAsciiWords,
  putBytes,
  putNumber,
  putUint,
  putWords,
} from "./json-bytes.js";
import { eventToJson } from "./jsonl.js";
import {
  FLAG_RETRY,
  OP_LINE,
  OP_SESSION,
  PATH_DRAWN,
  PATH_SAME,
  type PackedBatch,
  PackedTables,
} from "./jsonl-packed.js";
import { EndpointBytes, Memos, SessionBytes, StatusRuns } from "./jsonl-runs.js";

const CHUNK_BYTES = 4 << 20;

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}
const SMALL_BYTES = 1 << 16;
const POOL_MAX = 4;

// The constant bytes between the variable ones, each with the quotes around its neighbours: a field
// is one copy and one ASCII write. Repeated values are memoized with the keys around them.
const K = {
  eventId: bytesOf('{"event_id":"'),
  timestamp: bytesOf('","timestamp":"'),
  callIndex: bytesOf('","call_index":'),
  quote: bytesOf('"'),
  statusCode: bytesOf(',"status_code":'),
  responseTime: bytesOf(',"response_time_ms":'),
  retryFalse: bytesOf(',"is_retry":false,"cascade_id":'),
  retryTrue: bytesOf(',"is_retry":true,"cascade_id":'),
  error: bytesOf(',"error":'),
  null: bytesOf("null"),
  emptyParams: bytesOf("{}"),
  end: bytesOf("}\n"),
  /** The usual end of a line: no cascade, no error field (simulated events). */
  endFalse: bytesOf(',"is_retry":false,"cascade_id":null}\n'),
  endTrue: bytesOf(',"is_retry":true,"cascade_id":null}\n'),
};

/** Bytes of the constant parts of a line, three numbers at their longest, and slack. */
const FIXED_ROOM = 256 + 3 * NUMBER_ROOM;

/**
 * Encodes events as JSON Lines straight into byte chunks of 4 MiB, field by field: no string
 * per event (building one and encoding it to UTF-8 was most of `generate`'s time and garbage).
 * Constant keys and repeated values are copied from memoized bytes, ids and timestamps written as
 * ASCII, numbers digit by digit. An event holding anything else (a character to escape, non-ASCII, a
 * memo full) is written from eventToJson instead; the bytes are the same either way.
 */
export class JsonlEncoder {
  private buf: Buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  /** The same bytes as `buf`, for word stores. */
  private dv = viewOf(this.buf);
  private pos = 0;
  /** Where the line being written starts. */
  private line = 0;
  private readonly m = new Memos();
  private readonly statuses = new StatusRuns();
  /** Chunks given back once written: a fresh 4 MiB each batch is page faults and zeroing in the kernel. */
  private readonly pool: Buffer[] = [];
  /** The minute whose text `minuteBytes` holds (engine events' timestamps), its key before it. */
  private minute = -1;
  private minuteBytes = bytesOf("");
  private readonly minutes = new MinuteText();
  /** The strings and endpoints of a packed stream (encodePacked), made on its first batch. */
  private tables: PackedTables | null = null;

  /** Encodes the events; every chunk that filled up is pushed to `out` and belongs to the caller. */
  encode(events: readonly TraceEvent[], out: Buffer[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      this.line = this.pos;
      if (!this.fast(e, out)) {
        this.pos = this.line;
        this.slow(e, out);
      }
    }
  }

  /**
   * Encodes a batch packed by BatchPacker (jsonl-packer.ts) on another thread: the same bytes as encode()
   * of its events, written as fastEngine() writes them. Chunks that filled up are pushed to `out`.
   */
  encodePacked(b: PackedBatch, out: Buffer[]): void {
    if (this.tables === null) this.tables = new PackedTables();
    const t = this.tables;
    t.add(b);
    const ints = b.ints;
    const words = new Uint32Array(ints.buffer, ints.byteOffset, ints.length);
    const nums = b.nums;
    const slots = t.slots;
    let slotCount = 0;
    let num = 0;
    let line = 0;
    for (let i = 0; i < b.used; ) {
      const op = ints[i]! & 0xff;
      if (op === OP_SESSION) {
        slots[slotCount++] = t.sessionRuns(ints, words, i);
        i += 5 + ((ints[i + 1]! + 3) >> 2) + ((ints[i + 2]! + 3) >> 2);
        continue;
      }
      this.line = this.pos;
      if (op === OP_LINE) {
        const l = b.lines[line++]!;
        if (this.pos + l.length > this.buf.length) this.next(out, l.length);
        this.buf.set(l, this.pos);
        this.pos += l.length;
        i++;
        continue;
      }
      // OP_EVENT: its session's two runs (PackedTables.sessionRuns), at `s` in `runs`.
      const s = slots[ints[i + 1]!]!;
      const runs = t.runs;
      const idLength = runs[s]!;
      const sessionLength = runs[s + 1]!;
      const sessionAt = s + 2 + ((idLength + 3) >> 2);
      const eb = t.endpoints[ints[i + 2]!]!;
      const index = ints[i + 3]!;
      const pathLength = ints[i + 8]!;
      // A drawn path (PATH_DRAWN): its pieces, and per parameter its text (at most NUMBER_ROOM for a number).
      const parts = pathLength === PATH_DRAWN ? eb.drawnParts() : null;
      let pathRoom = pathLength;
      if (parts !== null) {
        pathRoom = eb.partsLength;
        for (let k = 1; k < parts.length; k++) {
          const v = ints[i + 8 + k]!;
          pathRoom += v < 0 ? NUMBER_ROOM : t.pathText(v).length;
        }
      }
      const room =
        FIXED_ROOM +
        idLength +
        sessionLength +
        64 +
        (pathLength === PATH_SAME ? eb.samePath.length : eb.head.length + pathRoom + eb.method.length);
      if (this.pos + room > this.buf.length) this.next(out, room);
      const buf = this.buf;
      const dv = this.dv;
      let p = putWords(dv, this.pos, runs, s + 2, idLength);
      p = this.stamp(putUint(buf, p, index), ints[i + 4]!, ints[i + 5]!);
      p = putUint(buf, putWords(dv, p, runs, sessionAt, sessionLength), index);
      if (pathLength === PATH_SAME) p = putBytes(dv, p, eb.samePath);
      else if (parts === null)
        p = putBytes(dv, putWords(dv, putBytes(dv, p, eb.head), words, i + 9, pathLength), eb.method);
      else {
        p = putBytes(dv, putBytes(dv, p, eb.head), parts[0]!);
        for (let k = 1; k < parts.length; k++) {
          const v = ints[i + 8 + k]!;
          p = v < 0 ? putNumber(buf, p, nums[num++]!) : putBytes(dv, p, t.pathText(v));
          p = putBytes(dv, p, parts[k]!);
        }
        p = putBytes(dv, p, eb.method);
      }
      this.pos = p;
      const status = ints[i + 6]!;
      const retry = (ints[i]! >> 8) & FLAG_RETRY;
      const responseTime = nums[num++]!;
      const paramCount = ints[i + 7]!;
      i += 9 + (parts !== null ? parts.length - 1 : pathLength === PATH_SAME ? 0 : (pathLength + 3) >> 2);
      if (paramCount === 0) this.pos = putBytes(dv, this.pos, K.emptyParams);
      else {
        for (let k = 0; k < paramCount; k++, i += 2) {
          const key = t.paramKey(ints[i]!);
          const v = ints[i + 1]!;
          const value = v < 0 ? null : t.paramValue(v);
          const r = FIXED_ROOM + 1 + key.length + (value === null ? NUMBER_ROOM : value.length);
          if (this.pos + r > this.buf.length) this.next(out, r);
          this.buf[this.pos] = k === 0 ? 0x7b : 0x2c;
          const q = putBytes(this.dv, this.pos + 1, key);
          this.pos = value === null ? putNumber(this.buf, q, nums[num++]!) : putBytes(this.dv, q, value);
        }
        this.buf[this.pos++] = 0x7d;
      }
      p = putNumber(this.buf, putBytes(this.dv, this.pos, this.statuses.get(status)!), responseTime);
      this.pos = putBytes(this.dv, p, retry !== 0 ? K.endTrue : K.endFalse);
    }
  }

  /** Writes `e` the fast way; false (a partial line left at the end) when it cannot. */
  private fast(e: TraceEvent, out: Buffer[]): boolean {
    const st = EngineEvent.sessionText(e);
    if (st !== null) {
      const et = EngineEvent.endpointText(e);
      const index = EngineEvent.idIndex(e);
      const minute = EngineEvent.timestampMinute(e);
      if (et !== null && index >= 0 && minute >= 0) return this.fastEngine(e, st, et, index, minute, out);
    }
    return this.fastPlain(e, out);
  }

  /** Bytes past the params for the rest of `e`'s line, the constant parts and slack included. */
  private static tailRoom(e: TraceEvent): number {
    const cascade = e.cascade_id;
    const error = e.error;
    return (
      FIXED_ROOM +
      (cascade === null ? 0 : cascade.length) +
      (error === undefined || error === null ? 0 : error.length)
    );
  }

  /**
   * An engine event, its strings still those it was made from: the session's ids copied from words
   * made once a session, the workflow, user type and endpoint runs found without a map lookup, the
   * id's index and the timestamp written from numbers.
   */
  private fastEngine(
    e: TraceEvent,
    st: SessionText,
    et: EndpointText,
    index: number,
    minute: number,
    out: Buffer[],
  ): boolean {
    const sb = SessionBytes.of(st, this.m);
    if (sb === null) return this.fastPlain(e, out);
    const eb = EndpointBytes.of(et);
    const samePath = e.path === e.endpoint;
    const tail = JsonlEncoder.tailRoom(e);
    const room =
      tail +
      2 * sb.sidLength +
      sb.uidLength +
      sb.workflow.length +
      sb.userType.length +
      64 +
      (samePath ? eb.samePath.length : eb.head.length + e.path.length + eb.method.length);
    if (this.pos + room > this.buf.length) this.next(out, room);
    const buf = this.buf;
    const dv = this.dv;
    const w = sb.words;
    let p = putAsciiWords(dv, putBytes(dv, this.pos, K.eventId), w, 0, sb.sidLength);
    buf[p] = 0x2d;
    p = this.stamp(putUint(buf, p + 1, index), minute, EngineEvent.timestampInMinute(e));
    p = putAsciiWords(dv, putBytes(dv, p, sb.workflow), w, sb.uidAt, sb.uidLength);
    p = putAsciiWords(dv, putBytes(dv, p, sb.userType), w, 0, sb.sidLength);
    p = putNumber(buf, putBytes(dv, p, K.callIndex), e.call_index);
    if (samePath) p = putBytes(dv, p, eb.samePath);
    else {
      p = putAscii(buf, putBytes(dv, p, eb.head), e.path);
      if (p < 0) return false;
      p = putBytes(dv, p, eb.method);
    }
    this.pos = p;
    return this.rest(e, tail, out);
  }

  /** Any event: memoized runs where its strings repeat, the others written as ASCII. */
  private fastPlain(e: TraceEvent, out: Buffer[]): boolean {
    const m = this.m;
    const wf = m.workflow.get(e.workflow);
    const ut = m.userType.get(e.user_type);
    const samePath = e.path === e.endpoint;
    const ep = samePath ? m.endpointPath.get(e.endpoint) : m.endpoint.get(e.endpoint);
    const me = m.method.get(e.method);
    if (wf === null || ut === null || ep === null || me === null) return false;
    const tail = JsonlEncoder.tailRoom(e);
    const room =
      tail +
      wf.length +
      ut.length +
      ep.length +
      me.length +
      e.event_id.length +
      e.timestamp.length +
      e.user_id.length +
      e.session_id.length +
      (samePath ? 0 : e.path.length);
    if (this.pos + room > this.buf.length) this.next(out, room);
    const buf = this.buf;
    const dv = this.dv;
    const minute = EngineEvent.timestampMinute(e);
    let p = putAscii(buf, putBytes(dv, this.pos, K.eventId), e.event_id);
    if (p >= 0) {
      p =
        minute >= 0
          ? this.stamp(p, minute, EngineEvent.timestampInMinute(e))
          : putAscii(buf, putBytes(dv, p, K.timestamp), e.timestamp);
    }
    if (p >= 0) p = putAscii(buf, putBytes(dv, p, wf), e.user_id);
    if (p >= 0) p = putAscii(buf, putBytes(dv, p, ut), e.session_id);
    if (p < 0) return false;
    p = putNumber(buf, putBytes(dv, p, K.callIndex), e.call_index);
    p = putBytes(dv, p, ep);
    if (!samePath) {
      p = putAscii(buf, p, e.path);
      if (p < 0) return false;
      buf[p++] = 0x22;
    }
    p = putBytes(dv, p, me);
    this.pos = p;
    return this.rest(e, tail, out);
  }

  /** From the params to the end of the line, at `pos` (`tail`: room past the params). */
  private rest(e: TraceEvent, tail: number, out: Buffer[]): boolean {
    if (!this.params(e.params, tail, out)) return false;
    const cascade = e.cascade_id;
    const error = e.error;
    const dv = this.dv;
    const status = this.statuses.get(e.status_code);
    let p =
      status === null
        ? putBytes(
            dv,
            putNumber(this.buf, putBytes(dv, this.pos, K.statusCode), e.status_code),
            K.responseTime,
          )
        : putBytes(dv, this.pos, status);
    p = putNumber(this.buf, p, e.response_time_ms);
    if (cascade === null && error === undefined) {
      this.pos = putBytes(dv, p, e.is_retry ? K.endTrue : K.endFalse);
      return true;
    }
    p = putBytes(this.dv, p, e.is_retry ? K.retryTrue : K.retryFalse);
    p = this.stringOrNull(p, cascade);
    if (p >= 0 && error !== undefined) p = this.stringOrNull(putBytes(this.dv, p, K.error), error);
    if (p < 0) return false;
    this.pos = putBytes(this.dv, p, K.end);
    return true;
  }

  /**
   * The timestamp of an engine event, its key before it, from its numbers at `p` (room made by fast()):
   * the key and the minute's text, made once a minute, then the seconds and milliseconds digit by digit.
   */
  private stamp(p: number, minute: number, inMinute: number): number {
    if (minute !== this.minute) {
      this.minute = minute;
      this.minuteBytes = bytesOf(`","timestamp":"${this.minutes.of(minute)}`);
    }
    p = putBytes(this.dv, p, this.minuteBytes);
    const buf = this.buf;
    const sec = Math.floor(inMinute / 1000);
    const ms = inMinute - sec * 1000;
    const tens = Math.floor(sec / 10);
    const hundreds = Math.floor(ms / 100);
    const rest = ms - hundreds * 100;
    const msTens = Math.floor(rest / 10);
    buf[p] = 0x30 + tens;
    buf[p + 1] = 0x30 + sec - tens * 10;
    buf[p + 2] = 0x2e;
    buf[p + 3] = 0x30 + hundreds;
    buf[p + 4] = 0x30 + msTens;
    buf[p + 5] = 0x30 + rest - msTens * 10;
    buf[p + 6] = 0x5a;
    return p + 7;
  }

  /** `"s"` or null at `p` (room made by fast()); -1 if `s` needs escaping. */
  private stringOrNull(p: number, s: string | null): number {
    const buf = this.buf;
    if (s === null) return putBytes(this.dv, p, K.null);
    buf[p] = 0x22;
    p = putAscii(buf, p + 1, s);
    if (p >= 0) buf[p++] = 0x22;
    return p;
  }

  /**
   * The params object at `pos`, with room made for each entry (there may be many) and `tail` bytes
   * past it for the rest of the line; false if a name or value is not memoized.
   */
  private params(params: Record<string, string | number>, tail: number, out: Buffer[]): boolean {
    let first = true;
    for (const key in params) {
      const v = params[key]!;
      const k = this.m.paramKey.get(key);
      const s = typeof v === "number" ? null : this.m.paramValue.get(v);
      if (k === null || (s === null && typeof v !== "number")) return false;
      const room = tail + 1 + k.length + (s === null ? NUMBER_ROOM : s.length);
      if (this.pos + room > this.buf.length) this.next(out, room);
      this.buf[this.pos] = first ? 0x7b : 0x2c;
      first = false;
      const p = putBytes(this.dv, this.pos + 1, k);
      this.pos = s === null ? putNumber(this.buf, p, v as number) : putBytes(this.dv, p, s);
    }
    if (first) this.pos = putBytes(this.dv, this.pos, K.emptyParams);
    else this.buf[this.pos++] = 0x7d;
    return true;
  }

  private slow(e: TraceEvent, out: Buffer[]): void {
    const line = `${eventToJson(e)}\n`;
    const n = Buffer.byteLength(line);
    if (this.pos + n > this.buf.length) this.next(out, n);
    this.pos += this.buf.write(line, this.pos, "utf8");
  }

  /**
   * Moves to a new chunk with room for `n` bytes past the line being written, which is carried over;
   * the finished lines before it go to `out`.
   */
  private next(out: Buffer[], n: number): void {
    const partial = this.pos - this.line;
    const next = partial + n <= CHUNK_BYTES ? this.fresh() : Buffer.allocUnsafeSlow(partial + n);
    this.buf.copy(next, 0, this.line, this.pos);
    if (this.line > 0) out.push(this.buf.subarray(0, this.line));
    this.buf = next;
    this.dv = viewOf(next);
    this.pos = partial;
    this.line = 0;
  }

  /** Pushes what is buffered, if anything, to `out`; small remainders are copied so the chunk is reused. */
  flush(out: Buffer[]): void {
    if (this.pos > 0 && this.pos < SMALL_BYTES) {
      out.push(Buffer.from(this.buf.subarray(0, this.pos)));
      this.pos = 0;
      this.line = 0;
      return;
    }
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    this.buf = this.fresh();
    this.dv = viewOf(this.buf);
    this.pos = 0;
    this.line = 0;
  }

  /**
   * Gives back chunks from encode() or flush() once the output is done with them (their bytes are
   * overwritten afterwards). Only whole chunks of the usual size are kept, a few at most.
   */
  recycle(chunks: readonly Buffer[]): void {
    for (const c of chunks) {
      if (this.pool.length < POOL_MAX && c.byteOffset === 0 && c.buffer.byteLength === CHUNK_BYTES)
        this.pool.push(Buffer.from(c.buffer, 0, CHUNK_BYTES));
    }
  }

  private fresh(): Buffer {
    return this.pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
  }
}
