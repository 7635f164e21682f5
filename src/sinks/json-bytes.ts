/**
 * JSON values written straight into a Buffer, byte for byte what JSON.stringify writes. Building a
 * per-event string and encoding it to UTF-8 was the hot path of `generate` (the string, its copy into
 * the buffer, and the garbage both leave); these write each field where it lands instead.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Bytes to copy often (a key, a memoized value): as little-endian 32-bit words and a tail, so a copy
 * is a quarter of the stores. Copying byte by byte cost ~1 ns a byte here, a third of that by words.
 */
export class Bytes {
  readonly words: Uint32Array;
  readonly tail: Uint8Array;
  readonly length: number;

  constructor(b: Uint8Array) {
    const n = b.length >> 2;
    this.words = new Uint32Array(n);
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < n; i++) this.words[i] = view.getUint32(4 * i, true);
    this.tail = Uint8Array.from(b.subarray(4 * n));
    this.length = b.length;
  }
}

/** The UTF-8 bytes of `text`, ready to copy. */
export function bytesOf(text: string): Bytes {
  return new Bytes(Buffer.from(text, "utf8"));
}

/** Copies `b` to `pos` (the caller made room); returns the new position. */
export function putBytes(dv: DataView, pos: number, b: Bytes): number {
  const w = b.words;
  const n = w.length;
  for (let i = 0; i < n; i++) dv.setUint32(pos + 4 * i, w[i]!, true);
  pos += 4 * n;
  const t = b.tail;
  for (let i = 0; i < t.length; i++) dv.setUint8(pos + i, t[i]!);
  return pos + t.length;
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
