/**
 * An HTTP/1.1 response parser for one keep-alive connection with one request in flight: it reads the
 * status and the three headers that frame the body (content-length, transfer-encoding, connection),
 * then counts the body's bytes to its end (length, chunked, or until close) without copying them.
 * Bytes are read in place from the socket's chunks; only a head or a chunk-size line split across
 * chunks is carried over, as a copy: the socket reads every chunk into one reused buffer (its
 * `onread`), so nothing here may keep a view into a chunk once `feed` returns.
 */

/** What the parser tells its connection. */
export interface ResponseEvents {
  /** The final status line arrived (1xx responses are skipped). */
  status(code: number): void;
  /** The response ended; `keepAlive`: the connection may carry another request. */
  complete(keepAlive: boolean): void;
}

/** A malformed response: the request ends with an error of kind `other`. */
export class ParseError extends Error {
  readonly code = "TW_HTTP_PARSE";
}

const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_END = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
const DONE = 7;

/** The most bytes a response head may take. */
const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const CR = 13;
const LF = 10;

/** The three framing headers' names with their colon, lower-case, as bytes. */
const CONNECTION = Buffer.from("connection:", "latin1");
const TRANSFER_ENCODING = Buffer.from("transfer-encoding:", "latin1");
const CONTENT_LENGTH = Buffer.from("content-length:", "latin1");
const KEEP_ALIVE = Buffer.from("keep-alive", "latin1");
const CHUNKED = Buffer.from("chunked", "latin1");

const HTTP_1 = Buffer.from("http/1.", "latin1");

/** Sets a span. */
function set(v: Span, from: number, to: number): void {
  v.from = from;
  v.to = to;
}

/** Where the line after the one at `at` starts (past its CRLF), or `to` when it is the last one. */
function nextLine(src: Buffer, at: number, to: number): number {
  // One compare a byte (LF is rare); the CR before it is checked only then.
  for (let i = at + 1; i < to; i++) if (src[i] === LF && src[i - 1] === CR) return i + 1;
  return to;
}

/** True when `src[at..]` is `lower` (lower-case ASCII letters, '-', ':', '/', '.') in any case. */
function matches(src: Buffer, at: number, end: number, lower: Buffer): boolean {
  const n = lower.length;
  if (end - at < n) return false;
  for (let i = 0; i < n; i++) {
    const b = src[at + i]!;
    const c = lower[i]!;
    if (b !== c && (c < 0x61 || c > 0x7a || b !== c - 0x20)) return false;
  }
  return true;
}

/** Where a header's value is in the head: its bytes after the colon, to the line's CR; -1 when absent. */
interface Span {
  from: number;
  to: number;
}

const isBlank = (b: number) => b === 0x20 || b === 0x09;

/**
 * A header value as the head's own string did it (lower-cased, trimmed): the rare value that is not
 * read from its bytes directly.
 */
function valueText(src: Buffer, v: Span): string {
  return src.toString("latin1", v.from, v.to).toLowerCase().trim();
}

/** The value is exactly `lower` in any case, but for spaces and tabs around it. */
function valueIs(src: Buffer, v: Span, lower: Buffer): boolean {
  let a = v.from;
  let b = v.to;
  while (a < b && isBlank(src[a]!)) a++;
  while (b > a && isBlank(src[b - 1]!)) b--;
  return b - a === lower.length && matches(src, a, b, lower);
}

/** A content-length of up to 15 digits (spaces and tabs around them), or -1: then read it as a string. */
function digitsOf(src: Buffer, v: Span): number {
  let a = v.from;
  let b = v.to;
  while (a < b && isBlank(src[a]!)) a++;
  while (b > a && isBlank(src[b - 1]!)) b--;
  if (a === b || b - a > 15) return -1;
  let n = 0;
  for (let i = a; i < b; i++) {
    const d = src[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

export class ResponseParser {
  private state = DONE;
  /** A head (or a chunked line) begun in an earlier chunk. */
  private carry: Buffer | null = null;
  private line = "";
  private remaining = 0;
  private keepAlive = true;
  /** The framing headers of the head being read (the first of each name). */
  private readonly conn: Span = { from: -1, to: -1 };
  private readonly te: Span = { from: -1, to: -1 };
  private readonly cl: Span = { from: -1, to: -1 };

  constructor(private readonly events: ResponseEvents) {}

  /** A request was sent: the next bytes are its response. */
  expect(): void {
    this.state = HEAD;
    this.carry = null;
    this.line = "";
    this.keepAlive = true;
  }

  /** True while a response is expected and has not ended. */
  get active(): boolean {
    return this.state !== DONE;
  }

  /**
   * Reads one chunk of the socket, `buf`'s first `len` bytes (the bytes past them are stale: the
   * buffer is reused for every read). Returns the bytes left over after the response ended (a
   * protocol error with one request in flight), 0 when none; throws a ParseError on a malformed
   * response.
   */
  feed(buf: Buffer, len: number = buf.length): number {
    let at = 0;
    while (at < len) {
      if (this.state === DONE) return len - at;
      if (this.state === HEAD) at = this.head(buf, at, len);
      else if (this.state === LENGTH) {
        const n = Math.min(this.remaining, len - at);
        this.remaining -= n;
        at += n;
        if (this.remaining === 0) this.end();
      } else if (this.state === UNTIL_CLOSE) at = len;
      else at = this.chunked(buf, at, len);
    }
    return 0;
  }

  /** The connection closed: a body read until close ends here; true when a response ended by it. */
  eof(): boolean {
    if (this.state !== UNTIL_CLOSE) return false;
    this.state = DONE;
    this.events.complete(false);
    return true;
  }

  private end(): void {
    this.state = DONE;
    this.events.complete(this.keepAlive);
  }

  /** Reads the head from `at` up to `len` (with what was carried); returns where the body begins. */
  private head(buf: Buffer, at: number, len: number): number {
    let src = buf;
    let from = at;
    let srcLen = len;
    if (this.carry !== null) {
      src = Buffer.concat([this.carry, buf.subarray(at, len)]);
      from = 0;
      srcLen = src.length;
    }
    // The first CRLFCRLF from `from`: one that ends past `srcLen` is in stale bytes, so none is in the chunk.
    let end = src.indexOf(CRLFCRLF, from);
    if (end + 4 > srcLen) end = -1;
    if (end < 0) {
      if (srcLen - from > MAX_HEAD) throw new ParseError("response head too large");
      this.carry = Buffer.from(src.subarray(from, srcLen)); // a copy: `buf` is reused for the next read
      return len;
    }
    const carried = this.carry === null ? 0 : this.carry.length;
    this.carry = null;
    this.begin(src, from, end + 2);
    // Where the body begins in `buf`: past the head, less what came from the carry.
    return end + 4 - carried + (src === buf ? 0 : at);
  }

  /**
   * Reads a status line and its framing headers from the head in `src[from, to)` (its lines each
   * ending in CRLF; names and `HTTP` in any case); sets the body's state.
   */
  private begin(src: Buffer, from: number, to: number): void {
    const code = this.statusLine(src, from, to);
    if (code < 200) {
      if (code === 101) throw new ParseError("unexpected protocol switch");
      this.state = HEAD; // an interim response (100, 103): the final one follows
      return;
    }
    this.headers(src, from, to);
    const http11 = src[from + 7] === 0x31;
    const c = this.conn;
    if (c.from < 0) this.keepAlive = http11;
    else if (valueIs(src, c, KEEP_ALIVE)) this.keepAlive = true;
    else {
      const conn = valueText(src, c);
      this.keepAlive = http11 ? !conn.includes("close") : conn.includes("keep-alive");
    }
    this.events.status(code);
    this.frame(code, src);
  }

  /** The status of a line `HTTP/1.x ddd` followed by a space or CR; throws a ParseError otherwise. */
  private statusLine(src: Buffer, from: number, to: number): number {
    if (to - from < 13 || !matches(src, from, to, HTTP_1)) throw new ParseError("malformed status line");
    const minor = src[from + 7]!;
    const after = src[from + 12]!;
    let code = 0;
    for (let i = from + 9; i < from + 12; i++) {
      const d = src[i]! - 0x30;
      if (d < 0 || d > 9) throw new ParseError("malformed status line");
      code = code * 10 + d;
    }
    if ((minor !== 0x30 && minor !== 0x31) || src[from + 8] !== 0x20 || (after !== 0x20 && after !== CR)) {
      throw new ParseError("malformed status line");
    }
    return code;
  }

  /** Finds the first connection, transfer-encoding and content-length header lines of the head. */
  private headers(src: Buffer, from: number, to: number): void {
    this.conn.from = this.te.from = this.cl.from = -1;
    // Each header line starts after a CRLF; the status line is skipped.
    let line = nextLine(src, from, to);
    while (line < to) {
      const next = nextLine(src, line, to);
      const lineEnd = next - 2; // its CR
      const b = src[line]! | 0x20;
      if (b === 0x63) {
        if (this.cl.from < 0 && matches(src, line, lineEnd, CONTENT_LENGTH)) set(this.cl, line + 15, lineEnd);
        else if (this.conn.from < 0 && matches(src, line, lineEnd, CONNECTION))
          set(this.conn, line + 11, lineEnd);
      } else if (b === 0x74 && this.te.from < 0 && matches(src, line, lineEnd, TRANSFER_ENCODING)) {
        set(this.te, line + 18, lineEnd);
      }
      line = next;
    }
  }

  /** How the body ends: no body, chunked, a length, or the connection's close. */
  private frame(code: number, src: Buffer): void {
    if (code === 204 || code === 304) {
      this.end();
      return;
    }
    if (this.te.from >= 0) {
      if (valueIs(src, this.te, CHUNKED) || valueText(src, this.te).endsWith("chunked")) {
        this.state = CHUNK_SIZE;
        this.line = "";
      } else this.untilClose();
      return;
    }
    if (this.cl.from < 0) {
      this.untilClose();
      return;
    }
    let n = digitsOf(src, this.cl);
    if (n < 0) {
      const cl = valueText(src, this.cl);
      if (!/^\d+$/.test(cl)) throw new ParseError("malformed content-length");
      n = Number(cl);
    }
    this.remaining = n;
    if (n === 0) this.end();
    else this.state = LENGTH;
  }

  private untilClose(): void {
    this.keepAlive = false;
    this.state = UNTIL_CLOSE;
  }

  /** Reads a chunked body from `at` up to `len`; returns where it stopped. */
  private chunked(buf: Buffer, at: number, len: number): number {
    if (this.state === CHUNK_DATA) {
      const n = Math.min(this.remaining, len - at);
      this.remaining -= n;
      if (this.remaining === 0) this.state = CHUNK_END;
      return at + n;
    }
    // CHUNK_SIZE, CHUNK_END and TRAILERS read lines.
    let nl = buf.indexOf(10, at);
    if (nl >= len) nl = -1; // in stale bytes
    const part = buf.toString("latin1", at, nl < 0 ? len : nl + 1);
    this.line += part;
    if (this.line.length > 8192) throw new ParseError("chunk line too long");
    if (nl < 0) return len;
    const line = this.line.replace(/\r?\n$/, "");
    this.line = "";
    if (this.state === CHUNK_END) {
      if (line !== "") throw new ParseError("missing CRLF after a chunk");
      this.state = CHUNK_SIZE;
    } else if (this.state === CHUNK_SIZE) {
      const size = Number.parseInt(line, 16);
      if (!/^[0-9a-fA-F]+/.test(line) || !Number.isFinite(size)) throw new ParseError("malformed chunk size");
      if (size === 0) this.state = TRAILERS;
      else {
        this.remaining = size;
        this.state = CHUNK_DATA;
      }
    } else if (line === "") this.end(); // TRAILERS: the empty line ends them and the response
    return nl + 1;
  }
}
