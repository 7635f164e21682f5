import type { EndpointText, SessionText } from "../event/index.js";
import { splitPath } from "../sim/compile.js";
import { asciiWords, type Bytes, bytesOf, QuotedMemo } from "./json-bytes.js";

/*
 * The repeated runs of a JSONL line, as bytes made once and copied into every line that has them:
 * per status, per session, per endpoint, and memos keyed by the value inside them.
 */

/** `,"status_code":<s>,"response_time_ms":` for the statuses 0 to 999, made when first seen. */
export class StatusRuns {
  private readonly runs: (Bytes | undefined)[] = new Array(1000).fill(undefined);

  /** The run of `status`, or null for a status that is not an integer from 0 to 999. */
  get(status: number): Bytes | null {
    if (!(Number.isInteger(status) && status >= 0 && status < 1000)) return null;
    let b = this.runs[status];
    if (b === undefined) {
      b = bytesOf(`,"status_code":${status},"response_time_ms":`);
      this.runs[status] = b;
    }
    return b;
  }
}

/**
 * A session's strings as bytes, made once a session (kept on its SessionText): its id and user id as
 * words, and its workflow's and user type's runs from the memos (no map lookup per event).
 */
export class SessionBytes {
  /** The packed batch (jsonl-packer.ts) that last defined this session, and its slot there. */
  packedIn = 0;
  packedSlot = 0;

  constructor(
    readonly words: readonly number[],
    readonly sidLength: number,
    /** The word where the user id starts, and its length. */
    readonly uidAt: number,
    readonly uidLength: number,
    readonly workflow: Bytes,
    readonly userType: Bytes,
  ) {}

  /** The session's bytes, or null when its ids are not plain ASCII or a memo is full (then: fastPlain). */
  static of(st: SessionText, m: Memos): SessionBytes | null {
    const b = st.encoded;
    if (b instanceof SessionBytes) return b;
    if (b === NOT_PLAIN) return null;
    const made = SessionBytes.make(st, m);
    st.encoded = made ?? NOT_PLAIN;
    return made;
  }

  private static make(st: SessionText, m: Memos): SessionBytes | null {
    const wf = m.workflow.get(st.workflow);
    const ut = m.userType.get(st.userType);
    const words: number[] = [];
    const sid = st.sessionId;
    const uid = st.userId;
    if (wf === null || ut === null || !asciiWords(words, sid)) return null;
    const uidAt = words.length;
    if (!asciiWords(words, uid)) return null;
    return new SessionBytes(words, sid.length, uidAt, uid.length, wf, ut);
  }
}

/** SessionText.encoded of a session whose strings the fast path cannot write. */
const NOT_PLAIN = Symbol("not plain");

/** An endpoint's part of its events' lines, made once (kept on its EndpointText). */
export class EndpointBytes {
  /** From `,"endpoint":` to `"params":`, for a path equal to the endpoint (no path parameters). */
  readonly samePath: Bytes;
  /** Up to the path's opening quote, and from its closing quote to `"params":`. */
  readonly head: Bytes;
  readonly method: Bytes;
  /** The packer (jsonl-packer.ts) that last named this endpoint, and its id there. */
  packer: object | null = null;
  packedId = -1;
  /** What that packer keeps to pack this endpoint's calls from their draws (jsonl-packer.ts). */
  packedDraws: unknown = null;

  /** The template's pieces around its parameters as a path's bytes (drawnParts), once made. */
  private parts: Bytes[] | null = null;
  private readonly template: string;

  constructor(et: EndpointText) {
    this.template = et.endpoint;
    const ep = JSON.stringify(et.endpoint);
    const method = `,"method":${JSON.stringify(et.method)},"params":`;
    this.samePath = bytesOf(`,"endpoint":${ep},"path":${ep}${method}`);
    this.head = bytesOf(`,"endpoint":${ep},"path":"`);
    this.method = bytesOf(`"${method}`);
  }

  /**
   * The template's literal pieces around its parameters (sim/compile.ts splitPath) as bytes inside a
   * path's string: a path drawn for it (jsonl-packed.ts PATH_DRAWN) is these with each parameter's text
   * between. JSON escapes character by character, and a parameter's text is plain ASCII (percent-encoded
   * or digits), so the pieces escaped alone make the path's JSON.
   */
  drawnParts(): Bytes[] {
    if (this.parts === null) {
      this.parts = splitPath(this.template).parts.map((p) => bytesOf(JSON.stringify(p).slice(1, -1)));
      this.partsLength = this.parts.reduce((n, b) => n + b.length, 0);
    }
    return this.parts;
  }

  /** The bytes of drawnParts() together (once they are made). */
  partsLength = 0;

  static of(et: EndpointText): EndpointBytes {
    const b = et.encoded;
    if (b instanceof EndpointBytes) return b;
    const made = new EndpointBytes(et);
    et.encoded = made;
    return made;
  }
}

/** The memoized runs of a line, keyed by the value inside them. */
export class Memos {
  readonly workflow = new QuotedMemo('","workflow":', ',"user_id":"');
  readonly userType = new QuotedMemo('","user_type":', ',"session_id":"');
  /** For a path equal to its endpoint (no path parameters): both fields at once. */
  readonly endpointPath = new QuotedMemo(',"endpoint":', (s) => `,"path":${JSON.stringify(s)}`);
  readonly endpoint = new QuotedMemo(',"endpoint":', ',"path":"');
  readonly method = new QuotedMemo(',"method":', ',"params":');
  readonly paramKey = new QuotedMemo("", ":");
  readonly paramValue = new QuotedMemo("");
}
