/**
 * Session keys as numbers where the id has the engine's form, `s<seed>-<user>-<session>` (digits,
 * no leading zeros): a number is hashed and compared in a Map without a string per call. Any other
 * id stays its string, which never equals a number, so two ids share a key only when they are equal.
 */

/** Seeds told apart in one fit; a recording mixing more keeps string keys for the rest. */
const MAX_SEEDS = 16;
const USER_LIMIT = 2 ** 33;
const SESSION_LIMIT = 2 ** 16;
// Keys of the first seed with user < 2^20 and session < 2^10 (most recordings: every key of one) are
// below 2^30, integers V8 keeps unboxed (Smis): the learner's Map finds one without a heap number
// per call. Every other key is negative, so the two forms never meet.
const SMALL_USER = 2 ** 20;
const SMALL_SESSION = 2 ** 10;

/** Maps session ids, as bytes or as strings, to the same keys; one per learner. */
export class SessionKeys {
  private readonly seeds = new Map<number, number>();
  // Most recordings have one seed: the last one's index saves a Map lookup per call.
  private lastSeed = -1;
  private lastIndex = 0;

  /** The key of a session id given as text (the JSON.parse and Parquet paths). */
  of(id: string): string | number {
    const n = id.length;
    if (n < 6 || id.charCodeAt(0) !== 115) return id;
    let i = 1;
    const parts = [0, 0, 0];
    for (let part = 0; part < 3; part++) {
      const from = i;
      let v = 0;
      for (; i < n; i++) {
        const d = id.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (!digitRun(i - from, id.charCodeAt(from))) return id;
      parts[part] = v;
      if (part < 2 && id.charCodeAt(i++) !== 45) return id;
    }
    return i === n ? (this.pack(parts[0]!, parts[1]!, parts[2]!) ?? id) : id;
  }

  /** Where the last ofQuoted found the closing quote. */
  quote = -1;
  // The three numbers read by digits().
  private seed = 0;
  private user = 0;
  private session = 0;

  /**
   * The key of a session id in the engine's form whose JSON string starts at `start` (its closing
   * quote, before `end`, then at `quote`), read in one pass; undefined for any other id.
   */
  ofQuoted(b: Buffer, start: number, end: number): number | undefined {
    const i = this.digits(b, start, end);
    if (i < 0 || b[i] !== 34) return undefined;
    this.quote = i;
    return this.pack(this.seed, this.user, this.session);
  }

  /** The key of the session id at `b[start, end)`, or undefined when it is not in the engine's form. */
  ofBytes(b: Buffer, start: number, end: number): number | undefined {
    const i = this.digits(b, start, end);
    return i === end ? this.pack(this.seed, this.user, this.session) : undefined;
  }

  // `s<seed>-<user>-<session>` from `start`: the position after the session's digits, or -1.
  private digits(b: Buffer, start: number, end: number): number {
    if (end - start < 6 || b[start] !== 115) return -1;
    let i = start + 1;
    for (let part = 0; part < 3; part++) {
      const from = i;
      let v = 0;
      for (; i < end; i++) {
        const d = b[i]! - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (!digitRun(i - from, b[from]!)) return -1;
      if (part === 0) this.seed = v;
      else if (part === 1) this.user = v;
      else this.session = v;
      if (part < 2 && (i >= end || b[i++] !== 45)) return -1;
    }
    return i;
  }

  /** The session id a key stands for (the learner of a file's other half has its own keys). */
  idOf(key: string | number): string {
    if (typeof key === "string") return key;
    let s = 0;
    let rest = key;
    if (key >= 0) rest = Math.floor(key / SMALL_SESSION) * SESSION_LIMIT + (key % SMALL_SESSION);
    else {
      const packed = -1 - key;
      s = Math.floor(packed / (USER_LIMIT * SESSION_LIMIT));
      rest = packed - s * USER_LIMIT * SESSION_LIMIT;
    }
    const user = Math.floor(rest / SESSION_LIMIT);
    const session = rest - user * SESSION_LIMIT;
    for (const [seed, index] of this.seeds) if (index === s) return `s${seed}-${user}-${session}`;
    throw new Error(`session key ${key}: no such seed`);
  }

  // seed index (4 bits) · user (33 bits) · session (16 bits): 53 bits, an exact safe integer (its
  // negative, below -1, unless the key is small: see SMALL_USER).
  private pack(seed: number, user: number, session: number): number | undefined {
    if (user >= USER_LIMIT || session >= SESSION_LIMIT) return undefined;
    let s = seed === this.lastSeed ? this.lastIndex : this.seeds.get(seed);
    if (s === undefined) {
      if (this.seeds.size >= MAX_SEEDS) return undefined;
      s = this.seeds.size;
      this.seeds.set(seed, s);
    }
    this.lastSeed = seed;
    this.lastIndex = s;
    if (s === 0 && user < SMALL_USER && session < SMALL_SESSION) return user * SMALL_SESSION + session;
    return -1 - ((s * USER_LIMIT + user) * SESSION_LIMIT + session);
  }
}

// 1 to 15 digits (a seed beyond 2^53 would not be exact), without a leading zero.
function digitRun(length: number, first: number): boolean {
  return length >= 1 && length <= 15 && (length === 1 || first !== 48);
}
