import { ByteTable, Literal, NumberReader, skipString, stringEnd } from "./bytes.js";
import { digits, isDay, isoMs } from "./iso-time.js";
import type { SessionKeys } from "./keys.js";
import type { EndpointSlot, FitCall } from "./learner.js";
import { type PathTemplate, pathTemplate } from "./path-bytes.js";

// Event v1 in tracewalk's own field order (EVENT_FIELDS), as every tracewalk sink writes it.
const EVENT_ID = new Literal('{"event_id":"');
const TIMESTAMP = new Literal(',"timestamp":"');
const WORKFLOW = new Literal(',"workflow":"');
const USER_ID = new Literal(',"user_id":"');
const USER_TYPE = new Literal(',"user_type":"');
const SESSION_ID = new Literal(',"session_id":"');
const CALL_INDEX = new Literal(',"call_index":');
const ENDPOINT = new Literal(',"endpoint":"');
const PATH = new Literal(',"path":"');
const METHOD = new Literal(',"method":"');
const PARAMS = new Literal(',"params":');
const STATUS = new Literal(',"status_code":');
const LATENCY = new Literal(',"response_time_ms":');
// Most calls succeed: status 200 and the next key, in one compare.
const OK_TO_LATENCY = new Literal(',"status_code":200,"response_time_ms":');
const IS_RETRY = new Literal(',"is_retry":');
const TRUE = new Literal("true");
const FALSE = new Literal("false");
const NULL = new Literal("null");
// What tracewalk writes after is_retry for a call no cascade reached, and from is_retry for the
// usual call (no retry, no cascade): the whole tail in a few word compares.
const NO_CASCADE = new Literal(',"cascade_id":null');
const PLAIN_TAIL = new Literal(',"is_retry":false,"cascade_id":null');

export { isoMs };

/** A parameter's name, and its bytes as a params object has them: `"name":`. */
interface ParamKey {
  name: string;
  bytes: Literal;
}

/** Parameter names kept per endpoint, by position (see EventScanner.params). */
const MAX_PARAM_KEYS = 8;

/** User types tried as bytes before one is looked up (see userTypeOf). */
const MAX_USER_TYPES = 4;

/**
 * An endpoint as the scanner keeps it: its name and, when it has `{name}` segments, their matcher.
 * `toMethod` is the bytes from the endpoint's closing quote to the method's first byte when the path
 * is the name (always, for an endpoint without parameters, as tracewalk writes it): compared a word
 * at a time instead of scanned. `method` is the method of its last call and `toParams` the bytes
 * from it to the params' value, tried first in the same way.
 */
interface Endpoint {
  name: string;
  template: PathTemplate | null;
  toMethod: Literal | null;
  method: string;
  toParams: Literal | null;
  /** See EventScanner.params. */
  paramKeys: ParamKey[];
  /** What the learner keeps for this endpoint (see FitCall.slot). */
  slot: EndpointSlot;
  /** The params object of its last call with params, and their names in order (see paramsOf). */
  params: Record<string, string | number> | undefined;
  paramNames: string[];
}

function endpointOf(name: string): Endpoint {
  const template = pathTemplate(name);
  const toMethod = template === null ? new Literal(`"${PATH.text}${name}"${METHOD.text}`) : null;
  return {
    name,
    template,
    toMethod,
    method: "",
    toParams: null,
    paramKeys: [],
    slot: { owner: undefined, stats: undefined },
    params: undefined,
    paramNames: [],
  };
}

/** The params of a call without any (most calls): shared, so frozen. */
const NO_PARAMS: Record<string, string | number> = Object.freeze({});

/**
 * Reads the fields fit needs from an Event v1 line in place, over its bytes: no UTF-8 decode and no
 * string per line for what repeats (endpoints, methods, user types, parameter names are interned by
 * their bytes; session ids of the engine's form become numbers). Any surprise (another field order,
 * an escape, a byte >= 0x80 in a field that must become a string, whitespace, a nested value, a
 * field of the wrong kind) returns undefined and the caller parses the line with JSON.parse, so
 * what fit learns is the same either way. One scanner per learner (it shares the session keys).
 * The call it returns is its own, rewritten by the next scan: the learner keeps none.
 */
export class EventScanner {
  private readonly strings = new ByteTable((text) => text);
  private readonly endpoints = new ByteTable(endpointOf);
  // Parameter values repeat (categories, sort orders); the table's cap bounds the ones that do not.
  private readonly values = new ByteTable((text) => text);
  private readonly num = new NumberReader();
  // The day of the last timestamp (its 10 bytes as two int32 and a uint16) and its epoch ms.
  private day0 = -1;
  private day1 = -1;
  private day2 = -1;
  private dayMs = Number.NaN;
  // From a timestamp's closing quote to user_id's value, as the last line had it: its workflow is
  // (almost always) the one before, so the field is compared, not scanned.
  private workflow: Literal | null = null;
  // The user types seen first, each with the session_id key after it.
  private readonly userTypes: { name: string; bytes: Literal }[] = [];
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Buffer | undefined;
  // The head's fields, read by head() for scan().
  private at = 0;
  private key: string | number = 0;
  private userType = "";
  constructor(private readonly keys: SessionKeys) {}

  scan(b: Buffer, start: number, end: number): FitCall | undefined {
    if (end - start < 2 || b[end - 1] !== 125) return undefined;
    this.viewFor(b);
    let p = this.fields(b, start, end);
    if (p < 0) return undefined;
    const v = this.view;
    const plain = PLAIN_TAIL.at(v, p, end) === end - 1;
    const isRetry = !plain && b[IS_RETRY.at(v, p, end)] === 116;
    if (!plain) {
      p = (isRetry ? TRUE : FALSE).at(v, IS_RETRY.at(v, p, end), end);
      if (NO_CASCADE.at(v, p, end) !== end - 1 && !this.tail(b, v, p, end)) return undefined;
    }
    this.call.isRetry = isRetry;
    return this.call;
  }

  /**
   * The line starting at `start`, its end not yet known (its `\n` is before `limit`), when
   * it ends as most lines tracewalk writes do (no retry, no cascade, `}` and `\n`): the position of
   * its `\n`, the call in `call`; else -1, and the caller finds the line's end and calls scan(). No
   * line's bytes hold a `\n` that the checks would pass over (strings stop at control bytes, keys
   * and numbers hold none), so a line read this way reads as scan() reads it: one search for the
   * newline less per line.
   */
  scanLine(b: Buffer, start: number, limit: number): number {
    this.viewFor(b);
    const p = this.fields(b, start, limit);
    if (p < 0) return -1;
    const t = PLAIN_TAIL.at(this.view, p, limit);
    if (t < 0 || b[t] !== 125 || b[t + 1] !== 10) return -1;
    this.call.isRetry = false;
    return t + 1;
  }

  // Apart from fields(): a new buffer comes once a chunk, and a branch that rare in the scanner's
  // optimized code threw that code away (V8 had no feedback for it yet) when the first chunk ended.
  private viewFor(b: Buffer): void {
    if (b === this.viewOf) return;
    this.viewOf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** The call as scanned last (by scan or scanLine); rewritten by the next. */
  readonly call: FitCall = {
    key: 0,
    endpoint: "",
    method: "",
    status: 0,
    latencyMs: 0,
    at: 0,
    callIndex: 0,
    isRetry: false,
    userType: undefined,
    params: NO_PARAMS,
    slot: undefined,
  };

  // A line's fields up to the latency into `call` (all but is_retry): the position after the
  // latency's number, or -1. `end` bounds the reads: the line's end or, from scanLine, the bytes'.
  private fields(b: Buffer, start: number, end: number): number {
    const v = this.view;
    let p = this.head(b, v, start, end);
    p = this.number(b, CALL_INDEX.at(v, p, end), end);
    const callIndex = this.num.value;
    if (p < 0 || !Number.isSafeInteger(callIndex)) return -1;
    const ep = ENDPOINT.at(v, p, end);
    p = stringEnd(b, ep, end, true);
    if (p < 0) return -1;
    const endpoint = this.endpoints.of(b, v, ep, p);
    // From the endpoint's closing quote to the method: for an endpoint without parameters, whose
    // path is its name, one compare of the bytes as they then are; else key, path, key.
    let m = endpoint.toMethod === null ? -1 : endpoint.toMethod.at(v, p, end);
    let path = -1;
    let pathEnd = -1;
    if (m < 0) {
      path = PATH.at(v, p + 1, end);
      pathEnd = stringEnd(b, path, end, endpoint.template !== null);
      if (pathEnd < 0) return -1;
      m = METHOD.at(v, pathEnd + 1, end);
    }
    const method = this.method(b, v, endpoint, m, end);
    p = this.paramsAt;
    if (p < 0) return -1;
    this.n = 0;
    const withParams = !(b[p] === 123 && b[p + 1] === 125);
    p = withParams ? this.params(b, p, end, endpoint.paramKeys) : p + 2;
    const ok = OK_TO_LATENCY.at(v, p, end);
    p = ok >= 0 ? ok : LATENCY.at(v, this.number(b, STATUS.at(v, p, end), end), end);
    const status = ok >= 0 ? 200 : this.num.value;
    p = this.number(b, p, end);
    if (p < 0) return -1;
    if (endpoint.template !== null)
      this.n = endpoint.template.match(b, path, pathEnd, this.names, this.vals, this.n);
    const params = this.paramsOf(endpoint);
    const c = this.call;
    c.key = this.key;
    c.endpoint = endpoint.name;
    c.method = method;
    c.status = status;
    c.latencyMs = this.num.value;
    c.at = this.at;
    c.callIndex = callIndex;
    c.userType = this.userType;
    c.params = params;
    c.slot = endpoint.slot;
    return p;
  }

  // Where method() found the params' value, or -1.
  private paramsAt = -1;

  /**
   * The method whose string starts at `m`, and the params' key after it (paramsAt then is the
   * position after it): the endpoint's last method when the bytes are those it had then.
   */
  private method(b: Buffer, v: DataView<ArrayBufferLike>, e: Endpoint, m: number, end: number): string {
    const same = e.toParams === null ? -1 : e.toParams.at(v, m, end);
    if (same >= 0) {
      this.paramsAt = same;
      return e.method;
    }
    const p = stringEnd(b, m, end, true);
    this.paramsAt = PARAMS.at(v, p + 1, end);
    if (p < 0 || this.paramsAt < 0) {
      this.paramsAt = -1;
      return "";
    }
    e.method = this.strings.of(b, v, m, p);
    e.toParams = new Literal(b.toString("latin1", m, this.paramsAt));
    return e.method;
  }

  // event_id to session_id; the position after session_id's closing quote, or -1.
  private head(b: Buffer, v: DataView<ArrayBufferLike>, start: number, end: number): number {
    let p = skipString(b, EVENT_ID.at(v, start, end), end);
    p = this.time(b, v, TIMESTAMP.at(v, p, end), end);
    if (p < 0 || Number.isNaN(this.at)) return -1;
    p = skipString(b, this.toUserId(b, v, p, end), end);
    const sid = this.userTypeOf(b, v, USER_TYPE.at(v, p, end), end);
    if (sid < 0) return -1;
    const key = this.keys.ofQuoted(b, sid, end);
    if (key !== undefined) {
      this.key = key;
      return this.keys.quote + 1;
    }
    p = stringEnd(b, sid, end, false);
    if (p < 0) return -1;
    // Without escapes, a field's UTF-8 is the string JSON.parse makes of it.
    this.key = this.keys.of(b.toString("utf8", sid, p));
    return p + 1;
  }

  // From the timestamp's closing quote `q` to user_id's value (its key included): where that starts, or -1.
  private toUserId(b: Buffer, v: DataView<ArrayBufferLike>, q: number, end: number): number {
    const same = this.workflow === null ? -1 : this.workflow.at(v, q, end);
    if (same >= 0) return same;
    const u = USER_ID.at(v, skipString(b, WORKFLOW.at(v, q + 1, end), end), end);
    if (u >= 0) this.workflow = new Literal(b.toString("latin1", q, u));
    return u;
  }

  /**
   * Sets userType from the string at `ut` and returns where the session id's string starts, or -1.
   * A recording has a few user types: each is tried with the session_id key after it, as bytes.
   */
  private userTypeOf(b: Buffer, v: DataView<ArrayBufferLike>, ut: number, end: number): number {
    for (const t of this.userTypes) {
      const sid = t.bytes.at(v, ut, end);
      if (sid >= 0) {
        this.userType = t.name;
        return sid;
      }
    }
    const p = stringEnd(b, ut, end, true);
    if (p < 0) return -1;
    this.userType = this.strings.of(b, v, ut, p);
    const sid = SESSION_ID.at(v, p + 1, end);
    if (sid >= 0 && this.userTypes.length < MAX_USER_TYPES) {
      this.userTypes.push({ name: this.userType, bytes: new Literal(b.toString("latin1", ut, sid)) });
    }
    return sid;
  }

  private number(b: Buffer, p: number, end: number): number {
    return p < 0 ? -1 : this.num.read(b, p, end);
  }

  /**
   * The timestamp whose first byte is at `from`: sets `at` and returns the position of its closing
   * quote, or -1. `2026-01-01T16:49:35.744Z` (what tracewalk writes) is read in place, its day
   * parsed once per day; any other form as isoMs reads it.
   */
  private time(b: Buffer, v: DataView<ArrayBufferLike>, from: number, end: number): number {
    const q = from + 24;
    if (from < 0 || q >= end || b[q] !== 34 || b[from + 10] !== 84 || b[from + 13] !== 58) {
      return this.slowTime(b, from, end);
    }
    if (b[from + 16] !== 58 || b[from + 19] !== 46 || b[from + 23] !== 90) return this.slowTime(b, from, end);
    if (v.getInt32(from, true) !== this.day0 || v.getInt32(from + 4, true) !== this.day1) {
      if (!isDay(b, from)) return this.slowTime(b, from, end);
      this.day0 = v.getInt32(from, true);
      this.day1 = v.getInt32(from + 4, true);
      this.dayMs = Date.parse(`${b.toString("latin1", from, from + 10)}T00:00:00.000Z`);
    } else if (v.getUint16(from + 8, true) !== this.day2) {
      if (!isDay(b, from)) return this.slowTime(b, from, end);
      this.dayMs = Date.parse(`${b.toString("latin1", from, from + 10)}T00:00:00.000Z`);
    }
    this.day2 = v.getUint16(from + 8, true);
    const h = digits(b, from + 11, 2);
    const m = digits(b, from + 14, 2);
    const s = digits(b, from + 17, 2);
    const ms = digits(b, from + 20, 3);
    if (!(h <= 23 && m <= 59 && s <= 59 && ms >= 0)) return this.slowTime(b, from, end);
    this.at = this.dayMs + ((h * 60 + m) * 60 + s) * 1000 + ms;
    return q;
  }

  private slowTime(b: Buffer, from: number, end: number): number {
    const q = stringEnd(b, from, end, true);
    if (q >= 0) this.at = isoMs(b.toString("latin1", from, q));
    return q;
  }

  // The parameters of the line being read, in order (body, then path): `n` of them.
  private readonly names: string[] = [];
  private readonly vals: (string | number)[] = [];
  private n = 0;

  /**
   * The call's params object: the endpoint's last one, its values rewritten, when the names are the
   * same in the same order (the learner reads a call's params before the next scan), else a new one.
   * Assigned in order either way, as JSON.parse assigns (a repeated name keeps its last value).
   */
  private paramsOf(e: Endpoint): Record<string, string | number> {
    const n = this.n;
    if (n === 0) return NO_PARAMS;
    const { names, vals } = this;
    let out = e.params;
    let same = out !== undefined && e.paramNames.length === n;
    for (let i = 0; same && i < n; i++) same = e.paramNames[i] === names[i];
    if (!same || out === undefined) {
      out = {};
      e.params = out;
      e.paramNames = names.slice(0, n);
    }
    for (let i = 0; i < n; i++) out[names[i]!] = vals[i]!;
    return out;
  }

  /**
   * A flat `{"name":"text" or number,...}` into names and values; the position after `}`, or -1 for anything
   * else. `keys` holds, by position, the names (with quotes and colon) of the endpoint's last call
   * with params: tried as bytes before a name is scanned.
   */
  private params(b: Buffer, from: number, end: number, keys: ParamKey[]): number {
    if (from < 0 || b[from] !== 123) return -1;
    let p = from + 1;
    if (b[p] === 125) return p + 1;
    for (let i = 0; ; i++) {
      const known = keys[i];
      const same = known === undefined ? -1 : known.bytes.at(this.view, p, end);
      let name: string;
      if (same >= 0) {
        name = known!.name;
        p = same;
      } else {
        const k = b[p] === 34 ? p + 1 : -1;
        const q = stringEnd(b, k, end, true);
        if (q < 0 || b[q + 1] !== 58) return -1;
        name = this.strings.of(b, this.view, k, q);
        // Assigning "__proto__" would set the prototype, not a field as JSON.parse makes.
        if (name === "__proto__") return -1;
        p = q + 2;
        if (i < MAX_PARAM_KEYS && p - k >= 3)
          keys[i] = { name, bytes: new Literal(b.toString("latin1", k - 1, p)) };
      }
      if (b[p] === 34) {
        const v = p + 1;
        p = stringEnd(b, v, end, true);
        if (p < 0) return -1;
        this.names[this.n] = name;
        this.vals[this.n++] = this.values.of(b, this.view, v, p++);
      } else {
        p = this.num.read(b, p, end);
        if (p < 0) return -1;
        this.names[this.n] = name;
        this.vals[this.n++] = this.num.value;
      }
      if (b[p] === 125) return p + 1;
      if (b[p++] !== 44) return -1;
    }
  }

  /** After is_retry: `,"name":value` with scalar values only (cascade_id, error), then the closing `}`. */
  private tail(b: Buffer, v: DataView<ArrayBufferLike>, from: number, end: number): boolean {
    let p = from;
    while (p >= 0 && p < end - 1) {
      if (b[p] !== 44 || b[p + 1] !== 34) return false;
      p = stringEnd(b, p + 2, end, false);
      if (p < 0 || b[p + 1] !== 58) return false;
      p += 2;
      const c = b[p];
      if (c === 34) p = skipString(b, p + 1, end);
      else if (c === 110) p = NULL.at(v, p, end);
      else if (c === 116) p = TRUE.at(v, p, end);
      else if (c === 102) p = FALSE.at(v, p, end);
      else p = this.num.read(b, p, end);
    }
    return p === end - 1;
  }
}
