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
const STATUS_LINE = /^http\/1\.([01]) (\d{3})[ \r]/; // of the lower-cased head

/** A header's value in a lower-cased head, or undefined. */
function header(head: string, name: string): string | undefined {
  const i = head.indexOf(`\r\n${name}:`);
  if (i < 0) return undefined;
  const from = i + name.length + 3;
  const end = head.indexOf("\r\n", from);
  return head.slice(from, end < 0 ? head.length : end).trim();
}

export class ResponseParser {
  private state = DONE;
  /** A head (or a chunked line) begun in an earlier chunk. */
  private carry: Buffer | null = null;
  private line = "";
  private remaining = 0;
  private keepAlive = true;

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
    this.begin(src.toString("latin1", from, end + 2).toLowerCase());
    // Where the body begins in `buf`: past the head, less what came from the carry.
    return end + 4 - carried + (src === buf ? 0 : at);
  }

  /** Reads a status line and its framing headers; sets the body's state. */
  private begin(head: string): void {
    const m = STATUS_LINE.exec(head);
    if (m === null) throw new ParseError("malformed status line");
    const code = Number(m[2]);
    if (code < 200) {
      if (code === 101) throw new ParseError("unexpected protocol switch");
      this.state = HEAD; // an interim response (100, 103): the final one follows
      return;
    }
    const conn = header(head, "connection");
    this.keepAlive = m[1] === "1" ? !conn?.includes("close") : conn?.includes("keep-alive") === true;
    this.events.status(code);
    this.frame(code, head);
  }

  /** How the body ends: no body, chunked, a length, or the connection's close. */
  private frame(code: number, head: string): void {
    if (code === 204 || code === 304) {
      this.end();
      return;
    }
    const te = header(head, "transfer-encoding");
    const cl = te === undefined ? header(head, "content-length") : undefined;
    if (te?.endsWith("chunked")) {
      this.state = CHUNK_SIZE;
      this.line = "";
    } else if (te !== undefined || cl === undefined) this.untilClose();
    else {
      if (!/^\d+$/.test(cl)) throw new ParseError("malformed content-length");
      this.remaining = Number(cl);
      if (this.remaining === 0) this.end();
      else this.state = LENGTH;
    }
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
