import { describe, expect, it } from "vitest";
import { ParseError, ResponseParser } from "../../src/http/h1-parser.js";

/** A parser with its events recorded. */
function parser() {
  const seen: string[] = [];
  const p = new ResponseParser({
    status: (code) => seen.push(`status ${code}`),
    complete: (keepAlive) => seen.push(`complete ${keepAlive}`),
  });
  return { p, seen };
}

/** Feeds `text` cut at `cuts` (byte offsets); returns the events and the bytes left over. */
function feed(text: string, cuts: number[] = []) {
  const { p, seen } = parser();
  p.expect();
  const buf = Buffer.from(text, "latin1");
  let left = 0;
  let from = 0;
  for (const at of [...cuts, buf.length]) {
    left += p.feed(buf.subarray(from, at));
    from = at;
  }
  return { seen, left, active: p.active, p };
}

const LENGTH = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
const CHUNKED =
  "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n1A\r\n" +
  `${"x".repeat(26)}\r\n0\r\nX-Trailer: t\r\n\r\n`;

describe("h1 response parser", () => {
  it("frames a content-length body and a chunked one, whole or cut at every byte", () => {
    for (const [text, status] of [
      [LENGTH, 200],
      [CHUNKED, 201],
    ] as const) {
      const want = [`status ${status}`, "complete true"];
      expect(feed(text).seen).toEqual(want);
      for (let cut = 1; cut < text.length; cut++) {
        const r = feed(text, [cut]);
        expect(r.seen, `cut at ${cut}`).toEqual(want);
        expect(r.left).toBe(0);
      }
      // One byte at a time.
      expect(
        feed(
          text,
          [...Array(text.length - 1).keys()].map((i) => i + 1),
        ).seen,
      ).toEqual(want);
    }
  });

  it("reads which responses keep the connection: close, HTTP/1.0, a body until close", () => {
    expect(feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").seen).toEqual([
      "status 200",
      "complete false",
    ]);
    expect(feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").seen).toEqual([
      "status 200",
      "complete false",
    ]);
    expect(feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").seen).toEqual([
      "status 200",
      "complete true",
    ]);
    // Neither a length nor chunked: the body runs to the close.
    const r = feed("HTTP/1.1 200 OK\r\n\r\nsome body");
    expect(r.seen).toEqual(["status 200"]);
    expect(r.active).toBe(true);
    expect(r.p.eof()).toBe(true);
    expect(r.seen).toEqual(["status 200", "complete false"]);
  });

  it("skips interim responses, reads no body after 204 or 304, and reports bytes past the end", () => {
    expect(feed(`HTTP/1.1 100 Continue\r\n\r\n${LENGTH}`).seen).toEqual(["status 200", "complete true"]);
    expect(feed("HTTP/1.1 204 No Content\r\n\r\n").seen).toEqual(["status 204", "complete true"]);
    expect(feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n").seen).toEqual([
      "status 304",
      "complete true",
    ]);
    expect(feed(`${LENGTH}HTTP/1.1`).left).toBe(8);
  });

  it("reads each chunk from one reused buffer, ignoring its stale bytes and keeping no view into it", () => {
    // As the socket's onread does: every read lands at the start of the same buffer, whose bytes
    // past the read are left from earlier reads (here: line ends and a head's end, to be ignored).
    const stale = Buffer.from("\r\n\r\n0\r\n\r\nHTTP/1.1 500 X\r\n\r\n".repeat(8), "latin1");
    for (const [text, status] of [
      [LENGTH, 200],
      [CHUNKED, 201],
    ] as const) {
      const bytes = Buffer.from(text, "latin1");
      for (let cut = 1; cut < bytes.length; cut++) {
        const { p, seen } = parser();
        p.expect();
        const reused = Buffer.alloc(bytes.length + stale.length);
        let left = 0;
        for (const [from, to] of [
          [0, cut],
          [cut, bytes.length],
        ] as const) {
          stale.copy(reused);
          bytes.copy(reused, 0, from, to);
          left += p.feed(reused, to - from);
          stale.copy(reused); // the next read overwrites what this one left
        }
        expect({ cut, seen, left }).toEqual({ cut, seen: [`status ${status}`, "complete true"], left: 0 });
      }
    }
  });

  it("reads the framing headers in any case and spacing, the first of each name, and no look-alike", () => {
    const body = '{"ok":true}';
    const ends = (head: string) => {
      const r = feed(`${head}\r\n\r\n${body}`);
      return { seen: r.seen, left: r.left, active: r.active };
    };
    const length = { seen: ["status 200", "complete true"], left: 0, active: false };
    expect(ends("http/1.1 200 OK\r\nCONTENT-LENGTH:  \t11 \t")).toEqual(length);
    expect(ends("HTTP/1.1 200 OK\r\ncontent-length: 11\r\nContent-Length: 3")).toEqual(length);
    expect(ends("HTTP/1.1 200 OK\r\nContent-Length: 00011")).toEqual(length);
    // Not a content-length: a longer name, a space before the colon. The body runs to the close.
    for (const h of ["X-Content-Length: 11", "Content-Lengthy: 11", "Content-Length : 11"]) {
      expect(ends(`HTTP/1.1 200 OK\r\n${h}`)).toEqual({ seen: ["status 200"], left: 0, active: true });
    }
    // Connection values beyond the plain ones: what they contain decides.
    const keeps = (head: string) => feed(`${head}\r\nContent-Length: 0\r\n\r\n`).seen[1];
    expect(keeps("HTTP/1.1 200 OK\r\nCONNECTION: Keep-Alive")).toBe("complete true");
    expect(keeps("HTTP/1.0 200 OK\r\nConnection:keep-alive")).toBe("complete true");
    expect(keeps("HTTP/1.0 200 OK\r\nConnection: Upgrade, Keep-Alive")).toBe("complete true");
    expect(keeps("HTTP/1.0 200 OK\r\nConnection: upgrade")).toBe("complete false");
    expect(keeps("HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE")).toBe("complete false");
    expect(keeps("HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive")).toBe("complete false");
    // Chunked in any case, last of a list; any other coding runs to the close.
    const chunked = "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: gzip, Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
    expect(feed(chunked).seen).toEqual(["status 200", "complete true"]);
    expect(ends("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 11").active).toBe(true);
    // A content-length too long for the byte reader is still read, as a number.
    const huge = feed("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\nabc");
    expect(huge).toMatchObject({ seen: ["status 200"], active: true, left: 0 });
  });

  it("refuses what is not an HTTP/1.x response", () => {
    for (const line of [
      "HTTP/1.2 200 OK",
      "HTTP/2 200 OK",
      "HTTP/1.1 20x OK",
      "HTTP/1.1  200 OK",
      "HTTP/1.1 2000",
    ]) {
      expect(() => feed(`${line}\r\nContent-Length: 0\r\n\r\n`), line).toThrow(/status line/);
    }
    expect(() => feed("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n")).toThrow(/content-length/);
    expect(() => feed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")).toThrow(/content-length/);
    expect(() => feed("SSH-2.0-OpenSSH\r\n\r\n")).toThrow(ParseError);
    expect(() => feed("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n")).toThrow(/content-length/);
    expect(() => feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toThrow(/chunk size/);
    expect(() => feed(`HTTP/1.1 200 OK\r\n${"x: y\r\n".repeat(20_000)}`)).toThrow(/too large/);
  });
});
