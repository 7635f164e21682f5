/**
 * Byte-level pieces of fit's scanner: reading JSON strings and numbers in place from a Buffer, and
 * interning short ASCII byte ranges (endpoints, methods, parameter names) to one value each, so a
 * line of a known shape costs no UTF-8 decode and no string for what repeats.
 */

/**
 * An ASCII literal of 4 bytes or more (a field's key with its punctuation), compared 4 bytes at a
 * time through a DataView of the line: the keys are more than half of an event's bytes, and one
 * word compare costs about what one byte compare does.
 */
export class Literal {
  readonly length: number;
  private readonly words: Int32Array;
  /**
   * The same bytes 8 at a time as doubles, for literals of 8 bytes or more: half the compares. Two
   * doubles other than NaN and ±0 are equal exactly when their bits are, so a compare with one of
   * these says what a compare of the bytes would (bytes read as NaN equal nothing: a miss, and they
   * differ from the literal's anyway). A literal with a NaN or a zero among them keeps the words.
   */
  private readonly quads: Float64Array | null;

  /** @param text latin1: each char one byte (any byte, so a field's bytes copied by latin1 are theirs). */
  constructor(readonly text: string) {
    const bytes = Buffer.from(text, "latin1");
    this.length = bytes.length;
    // Whole words, then (when the length is no multiple of 4) the last 4 bytes, overlapping.
    const n = Math.ceil(bytes.length / 4);
    this.words = new Int32Array(n);
    for (let i = 0; i < n; i++) this.words[i] = bytes.readInt32LE(Math.min(i * 4, bytes.length - 4));
    this.quads = bytes.length < 8 ? null : quadsOf(bytes);
  }

  /** Position after the literal when `v`'s bytes at `p` are it (before `end`), else -1. */
  at(v: DataView<ArrayBufferLike>, p: number, end: number): number {
    const n = this.length;
    if (p < 0 || p + n > end) return -1;
    const q = this.quads;
    if (q !== null) {
      const lastQ = q.length - 1;
      for (let i = 0; i < lastQ; i++) if (v.getFloat64(p + i * 8, true) !== q[i]) return -1;
      return v.getFloat64(p + n - 8, true) === q[lastQ] ? p + n : -1;
    }
    const w = this.words;
    const last = w.length - 1;
    for (let i = 0; i < last; i++) if (v.getInt32(p + i * 4, true) !== w[i]) return -1;
    return v.getInt32(p + n - 4, true) === w[last] ? p + n : -1;
  }
}

// Whole 8-byte groups, then the last 8 bytes, overlapping; null when one reads as NaN or ±0.
function quadsOf(bytes: Buffer): Float64Array | null {
  const n = Math.ceil(bytes.length / 8);
  const quads = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = bytes.readDoubleLE(Math.min(i * 8, bytes.length - 8));
    if (Number.isNaN(d) || d === 0) return null;
    quads[i] = d;
  }
  return quads;
}

/**
 * The position of the quote closing a JSON string whose first byte is at `p`, or -1 when it holds
 * a backslash or a control byte (JSON.parse decides those), a byte >= 0x80 when `ascii` is asked
 * (such a field is decoded the slow way), or is not closed before `end`.
 */
export function stringEnd(b: Buffer, p: number, end: number, ascii: boolean): number {
  if (p < 0) return -1;
  const kind = ascii ? ASCII_STRING : STRING;
  for (let i = p; i < end; i++) {
    const k = kind[b[i]!]!;
    if (k !== 0) return k === 1 ? i : -1;
  }
  return -1;
}

// Per byte inside a JSON string: 0 goes on, 1 closes it (`"`), 2 is left to JSON.parse (a backslash,
// a control byte; and in ASCII_STRING a byte >= 0x80). One load per byte instead of four compares.
const STRING = new Uint8Array(256).map((_, c) => (c === 34 ? 1 : c === 92 || c < 32 ? 2 : 0));
const ASCII_STRING = STRING.map((k, c) => (c >= 128 ? 2 : k));

/** Position after a JSON string starting at its opening quote's next byte `p`, or -1. */
export function skipString(b: Buffer, p: number, end: number): number {
  const q = stringEnd(b, p, end, false);
  return q < 0 ? -1 : q + 1;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Where a scanned number ends (its value in `value`); -1 when it is none that JSON allows. */
export class NumberReader {
  value = 0;

  /**
   * Reads a JSON number at `p`. Up to 15 digits with a fraction are exact as M / 10^k (both exact
   * doubles, one correctly rounded division: the value JSON.parse gives); longer ones and
   * exponents go through Number() of their text, which JSON.parse agrees with.
   */
  read(b: Buffer, p: number, end: number): number {
    let i = p;
    const neg = b[i] === 45;
    if (neg) i++;
    const intFrom = i;
    let m = 0;
    while (i < end && b[i]! >= 48 && b[i]! <= 57) m = m * 10 + (b[i++]! - 48);
    const intDigits = i - intFrom;
    if (intDigits === 0 || (intDigits > 1 && b[intFrom] === 48)) return -1;
    let frac = 0;
    if (b[i] === 46 && i < end) {
      const from = ++i;
      while (i < end && b[i]! >= 48 && b[i]! <= 57) m = m * 10 + (b[i++]! - 48);
      frac = i - from;
      if (frac === 0) return -1;
    }
    const c = i < end ? b[i] : 0;
    if (c === 101 || c === 69 || intDigits + frac > 15) return this.slow(b, p, i, end);
    const v = frac === 0 ? m : m / POW10[frac]!;
    this.value = neg ? -v : v;
    return i;
  }

  private slow(b: Buffer, p: number, i: number, end: number): number {
    let j = i;
    if (b[j] === 101 || b[j] === 69) {
      j++;
      if (b[j] === 43 || b[j] === 45) j++;
      const from = j;
      while (j < end && b[j]! >= 48 && b[j]! <= 57) j++;
      if (j === from) return -1;
    }
    this.value = Number(b.toString("latin1", p, j));
    return Number.isFinite(this.value) ? j : -1;
  }
}

/** Interned strings held at most, so a file of ever new names keeps bounded memory. */
const MAX_INTERNED = 1 << 16;

/**
 * One value per distinct ASCII byte range (made once from its text by `make`): a hash of the length
 * and a few sampled bytes picks a slot of an open-addressed table, and the bytes are compared (4 at a
 * time) before a value is reused. Past MAX_INTERNED distinct ranges, new ones are made each time
 * instead of kept.
 */
export class ByteTable<T> {
  private slots = new Int32Array(64);
  private readonly keys: Buffer[] = [];
  private readonly words: Literal[] = [];
  private readonly values: T[] = [];

  constructor(private readonly make: (text: string) => T) {}

  of(b: Buffer, v: DataView<ArrayBufferLike>, start: number, end: number): T {
    const mask = this.slots.length - 1;
    for (let s = sampleHash(b, start, end) & mask; ; s = (s + 1) & mask) {
      const at = this.slots[s]! - 1;
      if (at < 0) return this.add(b, start, end, s);
      const k = this.keys[at]!;
      if (
        k.length === end - start &&
        (k.length < 4 ? same(k, b, start) : this.words[at]!.at(v, start, end) === end)
      ) {
        return this.values[at]!;
      }
    }
  }

  private add(b: Buffer, start: number, end: number, slot: number): T {
    const text = b.toString("latin1", start, end);
    const value = this.make(text);
    if (this.values.length >= MAX_INTERNED) return value;
    this.keys.push(Buffer.from(b.subarray(start, end)));
    this.words.push(new Literal(text.length < 4 ? "    " : text));
    this.values.push(value);
    this.slots[slot] = this.values.length;
    if (this.values.length * 2 > this.slots.length) this.grow();
    return value;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let at = 0; at < this.keys.length; at++) {
      const k = this.keys[at]!;
      let s = sampleHash(k, 0, k.length) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = at + 1;
    }
    this.slots = slots;
  }
}

// The length and five bytes spread over the range: names that differ differ there, almost always;
// the compare that follows makes a collision cost a probe, never a wrong value.
function sampleHash(b: Buffer, start: number, end: number): number {
  const n = end - start;
  let h = Math.imul(n, 0x9e3779b1);
  if (n === 0) return h >>> 0;
  h = Math.imul(h ^ b[start]!, 16777619);
  h = Math.imul(h ^ b[end - 1]!, 16777619);
  h = Math.imul(h ^ b[start + (n >> 1)]!, 16777619);
  h = Math.imul(h ^ b[start + (n >> 2)]!, 16777619);
  h = Math.imul(h ^ b[end - 1 - (n >> 2)]!, 16777619);
  return (h ^ (h >>> 15)) >>> 0;
}

function same(k: Buffer, b: Buffer, start: number): boolean {
  for (let i = 0; i < k.length; i++) if (k[i] !== b[start + i]) return false;
  return true;
}
