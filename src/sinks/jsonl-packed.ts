import { EndpointText, type HttpMethod } from "../event/index.js";
import { type Bytes, bytesOf, putBytes, putWords, type QuotedMemo } from "./json-bytes.js";
import { EndpointBytes, Memos } from "./jsonl-runs.js";

/*
 * A batch of engine events packed as numbers, for a thread that encodes them as JSON Lines while the
 * engine's thread makes the next batch (`generate`: the worker packs, the main thread encodes and
 * writes). Packing an event costs a fraction of encoding it: a few integer stores, the session's id
 * words once a batch, ids for repeated strings. An event the packing does not cover (a cascade id, an
 * error field, a status outside 0-999, text to escape) travels as its line, encoded on the packing
 * thread by the same encoder: either way, the bytes are those JsonlEncoder.encode writes.
 */

/** A packed batch: plain data and two transferable buffers. */
export interface PackedBatch {
  /** Events in the batch. */
  count: number;
  /** The records (below), `used` of them filled. */
  ints: Int32Array;
  used: number;
  /** Response times and numeric parameter values (a path's, the params'), in record order. */
  nums: Float64Array;
  /** Strings new to the stream since the batch before, their ids following on. */
  strings: string[];
  /** Endpoints new to the stream (endpoint, method), their ids following on. */
  endpoints: [string, string][];
  /** The lines of the events packed as lines, in order; a line never spans two chunks. */
  lines: Buffer[];
}

/**
 * Records. SESSION (the next slot of this batch): sid length, uid length, workflow string id, user type
 * string id, then the sid's and the uid's bytes as 32-bit words. EVENT | flags << 8: slot, endpoint id,
 * call index, minute, ms into the minute, status, parameter count, path length (PATH_SAME: the path
 * is the endpoint), the path's words, and per parameter its name's string id and its value's (-1: a number,
 * next in `nums`). Its path length is PATH_DRAWN instead when the path is the endpoint's template with
 * its parameters filled in: one int per path parameter follows in place of the words, its text's
 * string id or -1 for an integer, next in `nums` (before the response time). LINE: the next of `lines`.
 */
export const OP_SESSION = 1;
export const OP_EVENT = 2;
export const OP_LINE = 3;
export const FLAG_RETRY = 1;
/** An EVENT's path length when its path is its endpoint (no words follow). */
export const PATH_SAME = -1;
/** An EVENT's path length when its path is its endpoint's template filled in (see below). */
export const PATH_DRAWN = -2;

const RUN_ID = bytesOf('{"event_id":"');
const RUN_CALL_INDEX = bytesOf('","call_index":');

/**
 * The encoding side's view of a packed stream: its strings and endpoints by id, each string's bytes
 * as each field writes it (made on first use), and where each session of the current batch is.
 */
export class PackedTables {
  private readonly strings: string[] = [];
  readonly endpoints: EndpointBytes[] = [];
  /** Per session slot of the batch being encoded: where its runs are in `runs` (sessionRuns). */
  readonly slots: number[] = [];
  /** The runs of the batch's sessions, as words; reused from batch to batch. */
  runs = new Uint32Array(1 << 10);
  private runsView = new DataView(this.runs.buffer);
  /** Words of `runs` used by the batch so far. */
  private runsUsed = 0;
  private readonly memos = new Memos();
  private readonly workflows: (Bytes | undefined)[] = [];
  private readonly userTypes: (Bytes | undefined)[] = [];
  private readonly keys: (Bytes | undefined)[] = [];
  private readonly values: (Bytes | undefined)[] = [];
  private readonly pathTexts: (Bytes | undefined)[] = [];

  /** Takes in the strings and endpoints `b` names first; its sessions' runs start again. */
  add(b: PackedBatch): void {
    this.runsUsed = 0;
    for (const s of b.strings) this.strings.push(s);
    for (const [endpoint, method] of b.endpoints)
      this.endpoints.push(new EndpointBytes(new EndpointText(endpoint, method as HttpMethod)));
  }

  /**
   * Makes the two runs of the session whose SESSION record is at `at` in `ints` (`words`: the same
   * memory) and returns where they are in `runs`: the length of its first, its second's, then the
   * first's words, from `{"event_id":"` to the `-` after the session id, then the second's, from
   * `","workflow":` to `"call_index":`. An event of the session copies each in one piece.
   */
  sessionRuns(ints: Int32Array, words: Uint32Array, at: number): number {
    const sidLength = ints[at + 1]!;
    const uidLength = ints[at + 2]!;
    const wf = this.workflow(ints[at + 3]!);
    const ut = this.userType(ints[at + 4]!);
    const sidAt = at + 5;
    const uidAt = sidAt + ((sidLength + 3) >> 2);
    const idLength = RUN_ID.length + sidLength + 1;
    const sessionLength = wf.length + uidLength + ut.length + sidLength + RUN_CALL_INDEX.length;
    const need = this.runsUsed + 2 + ((idLength + 3) >> 2) + ((sessionLength + 3) >> 2) + 1;
    if (need > this.runs.length) {
      const more = new Uint32Array(Math.max(need, 2 * this.runs.length));
      more.set(this.runs.subarray(0, this.runsUsed));
      this.runs = more;
      this.runsView = new DataView(more.buffer);
    }
    const runs = this.runs;
    const dv = this.runsView;
    const s = this.runsUsed;
    runs[s] = idLength;
    runs[s + 1] = sessionLength;
    let p = 4 * (s + 2);
    p = putWords(dv, putBytes(dv, p, RUN_ID), words, sidAt, sidLength);
    dv.setUint8(p, 0x2d);
    p = 4 * (s + 2 + ((idLength + 3) >> 2));
    p = putWords(dv, putBytes(dv, p, wf), words, uidAt, uidLength);
    p = putWords(dv, putBytes(dv, p, ut), words, sidAt, sidLength);
    putBytes(dv, p, RUN_CALL_INDEX);
    this.runsUsed = need - 1;
    return s;
  }

  workflow(id: number): Bytes {
    return this.bytes(this.workflows, id, this.memos.workflow);
  }

  userType(id: number): Bytes {
    return this.bytes(this.userTypes, id, this.memos.userType);
  }

  paramKey(id: number): Bytes {
    return this.bytes(this.keys, id, this.memos.paramKey);
  }

  paramValue(id: number): Bytes {
    return this.bytes(this.values, id, this.memos.paramValue);
  }

  /** String `id` inside a path's string: its JSON without the quotes. */
  pathText(id: number): Bytes {
    let b = this.pathTexts[id];
    if (b === undefined) {
      b = bytesOf(JSON.stringify(this.strings[id]!).slice(1, -1));
      this.pathTexts[id] = b;
    }
    return b;
  }

  /** String `id`'s bytes as `memo` writes them, kept in `made`; no memo's size limit (ids are bounded). */
  private bytes(made: (Bytes | undefined)[], id: number, memo: QuotedMemo): Bytes {
    let b = made[id];
    if (b === undefined) {
      b = bytesOf(memo.text(this.strings[id]!));
      made[id] = b;
    }
    return b;
  }
}
