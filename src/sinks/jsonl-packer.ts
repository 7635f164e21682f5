import { type EndpointText, EngineEvent, type SessionText, type TraceEvent } from "../event/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import type { EventTaker } from "../sim/engine-session.js";
import type { Outcome } from "../sim/outcome.js";
import type { EventParts } from "../sim/session.js";
import type { TimestampFormatter } from "../sim/timefmt.js";
import { asciiWordAt, WORD_BIAS } from "./json-bytes.js";
import { JsonlEncoder } from "./jsonl-encoder.js";
import {
  FLAG_RETRY,
  OP_EVENT,
  OP_LINE,
  OP_SESSION,
  PATH_DRAWN,
  PATH_SAME,
  type PackedBatch,
} from "./jsonl-packed.js";
import { EndpointBytes, Memos, SessionBytes } from "./jsonl-runs.js";

/** Distinct strings and endpoints a stream names before it packs events as lines instead. */
const MAX_IDS = 65_536;
const INTS = 1 << 17;

/** Words of ASCII text that JSON writes as is, into `ints` at `at`; false if some character is not. */
function asciiInto(ints: Int32Array, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i += 4) {
    const w = asciiWordAt(s, i);
    if (w < 0) return false;
    ints[at + (i >> 2)] = w;
  }
  return true;
}

/** What drawn() keeps of an endpoint: its query parameters' name ids; its choices' string ids (-1: none yet). */
interface DrawIds {
  names: Int32Array;
  /** Per parameter (path parameters, then query parameters): null for an integer range. */
  choices: (Int32Array | null)[];
}

/** EndpointBytes.packedDraws of an endpoint whose draws are not packed: its calls are packed from their path and params. */
const NOT_DRAWN = 0;

/** Batches packed so far by any packer: a batch's number tells its sessions' slots from older ones. */
let batches = 0;

/**
 * Packs batches of events (jsonl-packed.ts): one per stream, as ids run on from batch to batch. A batch
 * is begun, filled with events (`push`) or calls as their parts (`takeCall`, the engine's), finished.
 */
export class BatchPacker implements EventTaker {
  private readonly strings = new Map<string, number>();
  private readonly endpoints = new Map<object, number>();
  private readonly memos = new Memos();
  /** Encodes the events packed as lines. */
  private readonly lineEncoder = new JsonlEncoder();
  /** Buffers given back by the encoding side, to fill again. */
  private readonly pool: { ints: Int32Array; nums: Float64Array }[] = [];
  private ints: Int32Array = new Int32Array(0);
  private nums: Float64Array = new Float64Array(0);
  private pos = 0;
  private numPos = 0;
  private newStrings: string[] = [];
  private newEndpoints: [string, string][] = [];
  /** This batch's number (unique among all packers') and its sessions given a slot so far. */
  private batch = 0;
  private slotCount = 0;
  /** The session the event being packed gave a slot, if any. */
  private added: SessionBytes | null = null;
  /** The batch begun: its events so far, and the lines of those packed as lines. */
  private count = 0;
  private lines: Buffer[] = [];
  /** A batch is begun and not finished: `ints` and `nums` are its own. */
  private open = false;
  /** The one event the line encoder is given at a time. */
  private readonly one: TraceEvent[] = [];

  /** Packs `events` as one batch. */
  pack(events: readonly TraceEvent[]): PackedBatch {
    this.begin();
    for (let i = 0; i < events.length; i++) this.push(events[i]!);
    return this.finish();
  }

  /**
   * Starts a batch, to fill with `push` and `takeCall`, then `finish`. A batch begun and not finished
   * (left empty: no call was due) is begun again on its own buffers.
   */
  begin(): void {
    if (!this.open) {
      const spare = this.pool.pop();
      this.ints = spare?.ints ?? new Int32Array(INTS);
      this.nums = spare?.nums ?? new Float64Array(INTS >> 2);
      this.open = true;
    }
    this.pos = 0;
    this.numPos = 0;
    this.batch = ++batches;
    this.slotCount = 0;
    this.count = 0;
  }

  /** Events added to the batch begun. */
  get length(): number {
    return this.count;
  }

  /** Adds an event to the batch begun: as numbers, or as its line. */
  push(e: TraceEvent): void {
    this.count++;
    const start = this.pos;
    const numStart = this.numPos;
    this.added = null;
    if (this.event(e)) return;
    this.undo(start, numStart);
    this.one[0] = e;
    const lines = this.lines;
    const before = lines.length;
    this.lineEncoder.encode(this.one, lines);
    this.lineEncoder.flush(lines);
    // One element each (the encoder was flushed before: its one chunk, or more for a huge line).
    if (lines.length - before > 1) lines.push(Buffer.concat(lines.splice(before)));
    this.ensure(1);
    this.ints[this.pos++] = OP_LINE;
  }

  /**
   * Adds the event of call `callIndex` of `s`, completed by `out`, straight from its parts: the
   * numbers `push` packs of the event `eventOf(s, callIndex, out, fmt)` (sim/session.ts) would make,
   * with no event made. False, and nothing added, for a call whose event `push` would not pack as
   * numbers (a cascade id, an error field, a time or status out of range): the caller then makes the
   * event and pushes it.
   */
  takeCall(s: EventParts, callIndex: number, out: Outcome, fmt: TimestampFormatter): boolean {
    if (out.cascadeId !== null || out.error !== undefined || out.effects !== 0) return false;
    if (!fmt.locate(Number.isNaN(out.sentAt) ? s.due : out.sentAt)) return false;
    const start = this.pos;
    const numStart = this.numPos;
    this.added = null;
    const ep = s.endpoint;
    const draws = s.draws;
    const at = this.head(s.text, ep.text, callIndex, fmt.minute, fmt.inMinute, out.status, s.isRetry);
    const ok =
      at >= 0 &&
      (draws !== null
        ? this.drawn(at, ep, draws, out.latencyMs)
        : this.pathAndParams(at, ep.text, s.path, s.params, out.latencyMs));
    if (ok) {
      this.count++;
      return true;
    }
    this.undo(start, numStart);
    return false;
  }

  /** Ends the batch begun: its records, strings and lines, with its buffers (to be transferred). */
  finish(): PackedBatch {
    const batch: PackedBatch = {
      count: this.count,
      ints: this.ints,
      used: this.pos,
      nums: this.nums,
      strings: this.newStrings,
      endpoints: this.newEndpoints,
      lines: this.lines,
    };
    this.newStrings = [];
    this.newEndpoints = [];
    this.lines = [];
    this.open = false;
    // The buffers go with the batch (transferred); the next one takes those given back, or new ones.
    return batch;
  }

  /** Undoes a record not finished: back to `start` and `numStart`. */
  private undo(start: number, numStart: number): void {
    this.pos = start;
    this.numPos = numStart;
    // A session given its slot by this event is defined in no record now.
    const added = this.added as SessionBytes | null;
    if (added !== null) {
      added.packedIn = 0;
      this.slotCount--;
    }
  }

  /** Buffers of a batch the encoding side is done with. */
  recycle(ints: Int32Array, nums: Float64Array): void {
    if (this.pool.length < 4) this.pool.push({ ints, nums });
  }

  /** Packs `e` as numbers; false (part of a record written) when it must go as a line. */
  private event(e: TraceEvent): boolean {
    const st = EngineEvent.sessionText(e);
    if (st === null || e.cascade_id !== null || e.error !== undefined) return false;
    const et = EngineEvent.endpointText(e);
    const index = EngineEvent.idIndex(e);
    const minute = EngineEvent.timestampMinute(e);
    if (et === null || minute < 0 || e.call_index !== index) return false;
    const inMinute = EngineEvent.timestampInMinute(e);
    const at = this.head(st, et, index, minute, inMinute, e.status_code, e.is_retry);
    return at >= 0 && this.pathAndParams(at, et, e.path, e.params, e.response_time_ms);
  }

  /**
   * Packs an event's record up to its path: its session's record first if this batch has none yet,
   * then its endpoint id, `index` (its call index and its id's), `minute` and `inMinute` (its
   * timestamp), its status and retry flag. Returns where the record starts (its path and params
   * follow, from pathAndParams or drawn), or -1 when a part is out of its range.
   */
  private head(
    st: SessionText,
    et: EndpointText,
    index: number,
    minute: number,
    inMinute: number,
    status: number,
    isRetry: boolean,
  ): number {
    // 31-bit integers: what a record holds.
    if (!((index | 0) === index && index >= 0 && (minute | 0) === minute && minute >= 0)) return -1;
    if (!(Number.isInteger(status) && status >= 0 && status < 1000)) return -1;
    const sb = SessionBytes.of(st, this.memos);
    if (sb === null) return -1;
    if (sb.packedIn !== this.batch) {
      const wf = this.stringId(st.workflow);
      const ut = this.stringId(st.userType);
      if (wf < 0 || ut < 0) return -1;
      const words = sb.words;
      this.ensure(5 + words.length);
      const ints = this.ints;
      const p = this.pos;
      ints[p] = OP_SESSION;
      ints[p + 1] = sb.sidLength;
      ints[p + 2] = sb.uidLength;
      ints[p + 3] = wf;
      ints[p + 4] = ut;
      for (let i = 0; i < words.length; i++) ints[p + 5 + i] = words[i]! + WORD_BIAS;
      this.pos = p + 5 + words.length;
      sb.packedIn = this.batch;
      sb.packedSlot = this.slotCount++;
      this.added = sb;
    }
    const eb = EndpointBytes.of(et);
    if (eb.packer !== this) {
      let id = this.endpoints.get(et);
      if (id === undefined) {
        if (this.endpoints.size >= MAX_IDS) return -1;
        id = this.endpoints.size;
        this.endpoints.set(et, id);
        this.newEndpoints.push([et.endpoint, et.method]);
      }
      eb.packer = this;
      eb.packedId = id;
      eb.packedDraws = null;
    }
    this.ensure(9);
    const ints = this.ints;
    const p = this.pos;
    ints[p] = OP_EVENT | (isRetry ? FLAG_RETRY << 8 : 0);
    ints[p + 1] = sb.packedSlot;
    ints[p + 2] = eb.packedId;
    ints[p + 3] = index;
    ints[p + 4] = minute;
    ints[p + 5] = inMinute;
    ints[p + 6] = status;
    // Its param count (+7) and path length (+8) are filled in by the rest of the record.
    this.pos = p + 9;
    return p;
  }

  /**
   * The rest of the record begun at `at` (head), from the path's text and the params' object: the path
   * as words (PATH_SAME: the path is the endpoint), the response time, the params.
   */
  private pathAndParams(
    at: number,
    et: EndpointText,
    path: string,
    params: Readonly<Record<string, string | number>>,
    responseTimeMs: number,
  ): boolean {
    const samePath = path === et.endpoint;
    const pathLength = samePath ? 0 : path.length;
    this.ensure((pathLength + 3) >> 2);
    const ints = this.ints;
    let p = this.pos;
    ints[at + 8] = samePath ? PATH_SAME : pathLength;
    if (pathLength > 0) {
      if (!asciiInto(ints, p, path)) return false;
      p += (pathLength + 3) >> 2;
    }
    this.pos = p;
    this.num(responseTimeMs);
    let count = 0;
    for (const key in params) {
      const v = params[key];
      const k = this.stringId(key);
      if (k < 0) return false;
      this.ensure(2);
      this.ints[this.pos] = k;
      if (typeof v === "number") {
        this.ints[this.pos + 1] = -1;
        this.num(v);
      } else if (typeof v === "string") {
        const s = this.stringId(v);
        if (s < 0) return false;
        this.ints[this.pos + 1] = s;
      } else return false;
      this.pos += 2;
      count++;
    }
    this.ints[at + 7] = count;
    return true;
  }

  /**
   * The rest of the record begun at `at` (head) from a walk's draws (sim/session.ts drawInto), with no
   * path or params made: the path as its endpoint's template filled in (PATH_DRAWN, then per path
   * parameter the id of its text, or -1 for an integer, next in `nums`), the response time, the params
   * as pathAndParams packs them. The same bytes as the path and params the draws make.
   */
  private drawn(at: number, ep: CompiledEndpoint, draws: readonly number[], responseTimeMs: number): boolean {
    const eb = ep.text.encoded as EndpointBytes;
    const ids = (eb.packedDraws as DrawIds | typeof NOT_DRAWN | null) ?? this.drawIds(eb, ep);
    if (ids === NOT_DRAWN) return false;
    const pp = ep.pathParams;
    const qp = ep.queryParams;
    this.ensure(pp.length + 2 * qp.length);
    const ints = this.ints;
    let p = this.pos;
    ints[at + 8] = pp.length === 0 ? PATH_SAME : PATH_DRAWN;
    for (let i = 0; i < pp.length; i++) {
      const v = draws[i]!;
      const choices = ids.choices[i]!;
      if (choices === null) {
        if (!Number.isSafeInteger(v)) return false;
        ints[p++] = -1;
        this.num(v);
      } else {
        const id = this.choiceId(choices, v, pp[i]!.pathChoices![v]!);
        if (id < 0) return false;
        ints[p++] = id;
      }
    }
    this.pos = p;
    this.num(responseTimeMs);
    const names = ids.names;
    for (let i = 0; i < qp.length; i++) {
      const v = draws[pp.length + i]!;
      const c = qp[i]!.choices;
      const choices = ids.choices[pp.length + i]!;
      ints[p] = names[i]!;
      if (c === null) {
        ints[p + 1] = -1;
        this.num(v);
      } else {
        const value = c[v];
        if (typeof value === "number") {
          ints[p + 1] = -1;
          this.num(value);
        } else if (typeof value === "string") {
          const id = this.choiceId(choices!, v, value);
          if (id < 0) return false;
          ints[p + 1] = id;
        } else return false;
      }
      p += 2;
    }
    this.pos = p;
    ints[at + 7] = qp.length;
    return true;
  }

  /** The string id of choice `v` (its text `text`), kept in `ids` once known. */
  private choiceId(ids: Int32Array, v: number, text: string): number {
    let id = ids[v]!;
    if (id < 0) {
      id = this.stringId(text);
      ids[v] = id;
    }
    return id;
  }

  /**
   * What drawn() needs of `ep` in this packer: its query parameters' name ids and a place for its
   * choices' string ids; NOT_DRAWN when its params, made into an object, would not keep their order
   * (a name that is an array index, or `__proto__`), when a path parameter cuts a surrogate pair (the
   * template's pieces, escaped alone, would not make the path's JSON if the text between is empty), or
   * when an id cannot be given.
   */
  private drawIds(eb: EndpointBytes, ep: CompiledEndpoint): DrawIds | typeof NOT_DRAWN {
    let made: DrawIds | typeof NOT_DRAWN = NOT_DRAWN;
    const names = new Int32Array(ep.queryParams.length);
    const cut = ep.pathParts.some((p) => /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p));
    const ok =
      !cut &&
      ep.queryParams.every((q, i) => {
        names[i] = /^(0|[1-9][0-9]*)$/.test(q.name) || q.name === "__proto__" ? -1 : this.stringId(q.name);
        return names[i]! >= 0;
      });
    if (ok) {
      const choices = [...ep.pathParams, ...ep.queryParams].map((q) =>
        q.choices === null ? null : new Int32Array(q.choices.length).fill(-1),
      );
      made = { names, choices };
    }
    eb.packedDraws = made;
    return made;
  }

  private stringId(s: string): number {
    let id = this.strings.get(s);
    if (id === undefined) {
      if (this.strings.size >= MAX_IDS) return -1;
      id = this.strings.size;
      this.strings.set(s, id);
      this.newStrings.push(s);
    }
    return id;
  }

  private num(x: number): void {
    if (this.numPos === this.nums.length) {
      const more = new Float64Array(Math.max(1024, this.nums.length * 2));
      more.set(this.nums);
      this.nums = more;
    }
    this.nums[this.numPos++] = x;
  }

  /** Room for `n` more ints. */
  private ensure(n: number): void {
    if (this.pos + n <= this.ints.length) return;
    const more = new Int32Array(Math.max(INTS, 2 * (this.pos + n)));
    more.set(this.ints.subarray(0, this.pos));
    this.ints = more;
  }
}
