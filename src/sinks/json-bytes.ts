/**
 * JSON values written straight into a Buffer, byte for byte what JSON.stringify writes. Building a
 * per-event string and encoding it to UTF-8 was the hot path of `generate` (the string, its copy into
 * the buffer, and the garbage both leave); these write each field where it lands instead.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Bytes to copy often (a key, a memoized value): as little-endian 32-bit words, the last one padded,
 * so a copy is a quarter of the stores. Copying byte by byte cost ~1 ns a byte here, a third of that
 * by words. A copy writes whole words: up to 3 bytes past its end, which the writes after it cover
 * (the encoder's room for a line has more slack than that).
 */
export class Bytes {
  constructor(
    readonly words: Uint32Array,
    readonly length: number,
  ) {}
}

/** Words of `text`'s UTF-8 bytes, the last padded with zeros, from word `at` of `into`. */
export function wordsInto(into: Uint32Array, at: number, text: string): void {
  const n = text.length;
  let ascii = true;
  for (let i = 0; i < n && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  if (ascii) {
    // Most texts are ASCII: their words straight from the characters, no Buffer on the way.
    for (let i = 0; i < n; i += 4) {
      let w = 0;
      for (let j = Math.min(3, n - 1 - i); j >= 0; j--) w = (w << 8) | text.charCodeAt(i + j);
      into[at + (i >> 2)] = w;
    }
    return;
  }
  const b = Buffer.from(text, "utf8");
  const padded = new Uint8Array(4 * wordCount(b.length));
  padded.set(b);
  const view = new DataView(padded.buffer);
  for (let i = 0; i < padded.length; i += 4) into[at + (i >> 2)] = view.getUint32(i, true);
}

/** Subtracted from a word of ASCII bytes (below 2^31) to keep it in V8's small-integer range. */
export const WORD_BIAS = 0x40000000;

/**
 * Appends the words of `s` to `words`, as small integers (biased) in a plain array: an array of
 * small integers costs a fraction of a typed array to make (~300 ns each here), which matters for
 * bytes made once per session. Returns false, having appended part of them, if `s` is not printable
 * ASCII with nothing to escape in JSON.
 */
export function asciiWords(words: number[], s: string): boolean {
  for (let i = 0; i < s.length; i += 4) {
    const w = asciiWordAt(s, i);
    if (w < 0) return false;
    words.push(w - WORD_BIAS);
  }
  return true;
}

/**
 * The little-endian word of `s`'s characters from `i` (up to 4; fewer at its end, zero-padded), or -1
 * if one of them is not printable ASCII that JSON writes as is (a word of ASCII is below 2^31).
 */
export function asciiWordAt(s: string, i: number): number {
  let w = 0;
  for (let j = Math.min(3, s.length - 1 - i); j >= 0; j--) {
    const c = s.charCodeAt(i + j);
    if ((c - 0x20) >>> 0 > 0x5e || c === 0x22 || c === 0x5c) return -1;
    w = (w << 8) | c;
  }
  return w;
}

/** Copies `length` bytes from word `from` of `w` (made by asciiWords) to `pos` (room as putBytes). */
export function putAsciiWords(
  dv: DataView,
  pos: number,
  w: readonly number[],
  from: number,
  length: number,
): number {
  const end = from + ((length + 3) >> 2);
  for (let i = from, p = pos; i < end; i++, p += 4) dv.setUint32(p, w[i]! + WORD_BIAS, true);
  return pos + length;
}

/** Bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  const n = text.length;
  for (let i = 0; i < text.length; i++)
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, "utf8");
  return n;
}

/** Words holding `bytes` bytes. */
export function wordCount(bytes: number): number {
  return (bytes + 3) >> 2;
}

/** The UTF-8 bytes of `text`, ready to copy. */
export function bytesOf(text: string): Bytes {
  const length = utf8Length(text);
  const words = new Uint32Array(wordCount(length));
  wordsInto(words, 0, text);
  return new Bytes(words, length);
}

/** Copies `b` to `pos` (the caller made room, and 3 bytes more); returns the new position. */
export function putBytes(dv: DataView, pos: number, b: Bytes): number {
  return putWords(dv, pos, b.words, 0, b.length);
}

/** Copies `length` bytes from word `from` of `w` to `pos` (room as putBytes); returns the new position. */
export function putWords(dv: DataView, pos: number, w: Uint32Array, from: number, length: number): number {
  const end = from + ((length + 3) >> 2);
  for (let i = from, p = pos; i < end; i++, p += 4) dv.setUint32(p, w[i]!, true);
  return pos + length;
}

/**
 * Writes `s` at `pos` if it is printable ASCII with nothing to escape in JSON (the caller made room
 * for `s.length` bytes); returns the new position, or -1 otherwise (some bytes may have been written).
 * One unsigned comparison tells the printable range (a quarter less time than two comparisons).
 */
export function putAscii(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c - 0x20) >>> 0 > 0x5e || c === 0x22 || c === 0x5c) return -1;
    buf[pos + i] = c;
  }
  return pos + n;
}

/** Decimal digits of a non-negative safe integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/**
 * Writes a non-negative safe integer at `pos`; returns the new position. Numbers below 1000 (status
 * codes, call indexes, most latencies' whole part) take one branch and their stores, no digit count.
 */
export function putUint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 10) {
    buf[pos] = 0x30 + n;
    return pos + 1;
  }
  if (n < 100) {
    const t = Math.floor(n / 10);
    buf[pos] = 0x30 + t;
    buf[pos + 1] = 0x30 + n - t * 10;
    return pos + 2;
  }
  if (n < 1000) {
    const h = Math.floor(n / 100);
    const r = n - h * 100;
    const t = Math.floor(r / 10);
    buf[pos] = 0x30 + h;
    buf[pos + 1] = 0x30 + t;
    buf[pos + 2] = 0x30 + r - t * 10;
    return pos + 3;
  }
  const end = pos + digits(n);
  let p = end;
  do {
    const q = Math.floor(n / 10);
    buf[--p] = 0x30 + (n - q * 10);
    n = q;
  } while (n > 0);
  return end;
}

/** Bytes a number may take as JSON (the longest shortest-form double is 24 characters). */
export const NUMBER_ROOM = 26;

/**
 * Writes a number as JSON.stringify does (NUMBER_ROOM bytes of room needed). Integers are written
 * digit by digit; so are latencies, which the engine rounds to tenths: the shortest text of the double
 * nearest k/10 is k/10 itself. Anything else goes through the engine's own double-to-string.
 */
export function putNumber(buf: Uint8Array, pos: number, x: number): number {
  if (Number.isInteger(x)) {
    if (x >= 0 && x <= MAX_SAFE) return putUint(buf, pos, x);
    if (x < 0 && x >= -MAX_SAFE) {
      buf[pos] = 0x2d;
      return putUint(buf, pos + 1, -x);
    }
  } else if (x > 0 && x < 1e15) {
    const k = Math.round(x * 10);
    if (k / 10 === x) {
      const whole = Math.floor(k / 10);
      const p = putUint(buf, pos, whole);
      buf[p] = 0x2e;
      buf[p + 1] = 0x30 + (k - whole * 10);
      return p + 2;
    }
  }
  // NaN and the infinities are null in JSON; every other number's text is ASCII.
  const text = JSON.stringify(x);
  for (let i = 0; i < text.length; i++) buf[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}

/**
 * The JSON bytes of repeated strings (workflow, user type, endpoint, parameter names and values), each
 * behind a fixed prefix such as `,"workflow":`, made once: after that a field costs one map lookup and
 * a short copy.
 */
export class QuotedMemo {
  private readonly map = new Map<string, Bytes>();

  constructor(
    private readonly prefix: string,
    private readonly suffix: string | ((s: string) => string) = "",
    private readonly max = 4096,
  ) {}

  /** The bytes of prefix + JSON of `s` + suffix (a string, or made from `s`), or null when the memo is full and `s` is new. */
  get(s: string): Bytes | null {
    let b = this.map.get(s);
    if (b === undefined) {
      if (this.map.size >= this.max) return null;
      b = bytesOf(this.text(s));
      this.map.set(s, b);
    }
    return b;
  }

  /** prefix + JSON of `s` + suffix, as text. */
  text(s: string): string {
    const suffix = typeof this.suffix === "string" ? this.suffix : this.suffix(s);
    return `${this.prefix}${JSON.stringify(s)}${suffix}`;
  }
}
