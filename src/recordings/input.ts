import { closeSync, createReadStream, fstatSync, openSync, read } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { cannotRead, ErrorCode, TwError } from "../errors.js";

/** A recording's bytes, unpacked: a file (gzipped when it ends in `.gz`) or stdin (`-`). */
export interface Input {
  /** The name errors give: the path, or "stdin". */
  name: string;
  stream: NodeJS.ReadableStream;
  close: () => void;
}

/** The name of `path` in messages: "stdin" for `-`. */
export function inputName(path: string): string {
  return path === "-" ? "stdin" : path;
}

export function invalidInput(where: string, message: string): TwError {
  return new TwError(ErrorCode.INPUT_INVALID, `${where}: ${message}`, {
    problems: [{ path: where, message }],
  });
}

/** Opens `path` for reading; a file that cannot be opened is TW_INPUT_INVALID naming it. */
export async function openInput(path: string): Promise<Input> {
  if (path === "-") return { name: "stdin", stream: process.stdin, close: () => {} };
  try {
    await (await open(path, "r")).close();
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, cannotRead(path, "input", err), { cause: err });
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  // A recording kept gzipped (`.gz`) is read as it is, without unpacking it to disk first.
  if (!path.toLowerCase().endsWith(".gz")) return { name: path, stream: file, close: () => file.destroy() };
  const gunzip = createGunzip();
  file.on("error", (err) => gunzip.destroy(err));
  const close = () => {
    file.destroy();
    gunzip.destroy();
  };
  return { name: path, stream: file.pipe(gunzip), close };
}

/** A recording's bytes as chunks; a chunk is valid until the next one is asked for. */
export interface Chunks {
  name: string;
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>;
  close: () => void;
}

/**
 * Bytes a plain file is read in (openChunks): each read ahead costs a round trip through the thread
 * pool (measured: 64 KiB chunks cost fit ~15% more CPU than 1 MiB; 1 and 2 MiB the same).
 */
export const FILE_CHUNK = 1 << 20;

/** Reads of a plain file in flight while its current chunk is scanned (openChunks). */
export const READ_AHEAD = 2;

function readAt(fd: number, buf: Buffer, position: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/**
 * The chunks of a regular file, `ahead` reads in flight on libuv's thread pool while the caller scans
 * the chunk it was given: the copy from the page cache runs on another core instead of before the scan
 * (~10% of fit's time). `ahead + 1` buffers are reused in turn, so a chunk is valid until the next one
 * is asked for. Reads name their offset; a short read (the end of the file, or a file that changed)
 * drops the reads issued past it and goes on from where it ended, so the bytes are the file's in order.
 * `range` reads the bytes `[from, to)` only (fit's halves), the file's whole by default.
 */
export async function* fileChunks(
  fd: number,
  size = FILE_CHUNK,
  ahead = READ_AHEAD,
  range: ByteRange = { from: 0, to: Number.POSITIVE_INFINITY },
): AsyncGenerator<Buffer> {
  const buffers = Array.from({ length: ahead + 1 }, () => Buffer.allocUnsafe(size));
  const pending: { buf: Buffer; at: number; want: number; done: Promise<number> }[] = [];
  let next = range.from; // the offset of the next read to issue
  let turn = 0; // the buffer it goes into
  const issue = () => {
    const buf = buffers[turn]!;
    turn = (turn + 1) % buffers.length;
    const want = Math.max(0, Math.min(size, range.to - next));
    // A failed read is reported when its chunk is asked for, not as an unhandled rejection before.
    const done = want === 0 ? Promise.resolve(0) : readAt(fd, buf, next, want);
    done.catch(() => {});
    pending.push({ buf, at: next, want, done });
    next += want;
  };
  try {
    for (let i = 0; i < ahead; i++) issue();
    for (;;) {
      const { buf, at, want, done } = pending.shift()!;
      const n = await done;
      if (n < want || want === 0) {
        // Wait for the reads issued past the end (none may write into a buffer handed out), then go on
        // from the end of this one: after a short read in the middle of a file, the next is at at + n.
        await settle(pending.splice(0));
        if (n === 0) return;
        next = at + n;
      }
      // The buffer handed out last is free again (the caller asked for this one): read into it.
      issue();
      yield buf.subarray(0, n);
    }
  } finally {
    // The caller stopped early or a read failed: no read may outlive this (the fd is closed next).
    await settle(pending);
  }
}

/** Bytes `[from, to)` of a file. */
export interface ByteRange {
  from: number;
  to: number;
}

async function settle(reads: readonly { done: Promise<number> }[]): Promise<void> {
  await Promise.allSettled(reads.map((r) => r.done));
}

/**
 * Opens `path` as openInput does, for a reader of bytes. A regular file is read into reused buffers,
 * the next reads issued before the current chunk is scanned (fileChunks): a stream would wait for each
 * read when its chunk is asked for (on a busy machine, longer than the scan of the chunk takes).
 */
export async function openChunks(path: string, range?: ByteRange): Promise<Chunks> {
  const whole = () => {
    if (range !== undefined) throw new Error(`${path}: a byte range is read from a regular file only`);
  };
  if (path === "-" || path.toLowerCase().endsWith(".gz")) {
    whole();
    const { name, stream, close } = await openInput(path);
    return { name, chunks: stream as AsyncIterable<Buffer>, close };
  }
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, cannotRead(path, "input", err), { cause: err });
  }
  // A pipe or a device (`--input /dev/stdin`, `<(zcat …)`) is read as a stream, as before.
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    whole();
    const { name, stream, close } = await openInput(path);
    return { name, chunks: stream as AsyncIterable<Buffer>, close };
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return { name: path, chunks: fileChunks(fd, FILE_CHUNK, READ_AHEAD, range), close };
}

/**
 * Calls `onLine` with each line of a stream and its 1-based number; splits the decoded chunks itself,
 * as readline and one promise per line cost more than the parsing that follows (fit reads GBs).
 */
export async function eachLine(
  input: NodeJS.ReadableStream,
  onLine: (text: string, line: number) => void,
): Promise<void> {
  input.setEncoding("utf8");
  let carry = "";
  let line = 0;
  for await (const chunk of input as AsyncIterable<string>) {
    const text = carry === "" ? chunk : carry + chunk;
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(text.slice(from, end), ++line);
      from = nl + 1;
    }
    carry = text.slice(from);
  }
  if (carry !== "") onLine(carry.endsWith("\r") ? carry.slice(0, -1) : carry, ++line);
}

/**
 * Calls `onLine` with each line of a stream as a byte range `b[start, end)` (no `\n`, no `\r`
 * before it) and its 1-based number, without decoding: lines are found by their 0x0A byte, which
 * UTF-8 never uses inside a character, so a chunk may end anywhere, even inside one. A line split
 * between chunks is joined into a buffer of its own. `b` is valid only during the call.
 *
 * `whole`, when given, is tried first on each line that starts and ends in a chunk, before its end
 * is searched: it reads the line `b[start, …)` (its `\n` is before `limit`) and returns the position
 * of its `\n` when it took it, or -1 for a line to hand to `onLine` as usual (a reader that knows
 * where its lines end saves a search per line).
 *
 * Lines are numbered from `firstLine + 1` (a part of a file read apart: the lines before it); returns
 * the last line's number.
 */
export async function eachLineBytes(
  input: Iterable<Buffer> | AsyncIterable<Buffer>,
  onLine: (b: Buffer, start: number, end: number, line: number) => void,
  whole?: (b: Buffer, start: number, limit: number) => number,
  firstLine = 0,
): Promise<number> {
  let carry: Buffer[] = [];
  let line = firstLine;
  const emit = (b: Buffer, start: number, nl: number) => {
    onLine(b, start, nl > start && b[nl - 1] === 13 ? nl - 1 : nl, ++line);
  };
  for await (const chunk of input) {
    let from = 0;
    if (carry.length > 0) {
      const nl = chunk.indexOf(10);
      carry.push(nl < 0 ? Buffer.from(chunk) : chunk.subarray(0, nl));
      if (nl < 0) continue;
      const joined = Buffer.concat(carry);
      carry = [];
      emit(joined, 0, joined.length);
      from = nl + 1;
    }
    // whole() sees only the lines whose end is in this chunk: the bytes up to its last newline.
    const last = whole === undefined ? -1 : chunk.lastIndexOf(10);
    for (;;) {
      const took = from > last ? -1 : whole!(chunk, from, last + 1);
      if (took >= 0) {
        line++;
        from = took + 1;
        continue;
      }
      const nl = chunk.indexOf(10, from);
      if (nl < 0) break;
      emit(chunk, from, nl);
      from = nl + 1;
    }
    // A copy: the stream owns its chunks' memory once this one is handed back.
    if (from < chunk.length) carry.push(Buffer.from(chunk.subarray(from)));
  }
  if (carry.length > 0) {
    const last = Buffer.concat(carry);
    emit(last, 0, last.length);
  }
  return line;
}

/** isBlank of the line `b[start, end)`, decoding it only when it starts with whitespace or a BOM. */
export function isBlankBytes(b: Buffer, start: number, end: number): boolean {
  if (start === end) return true;
  const first = b[start];
  return (
    (first === 32 || first === 9 || first === 13 || first === 0xef) && isBlank(b.toString("utf8", start, end))
  );
}

/** Whether a line holds nothing but whitespace (cheap for the usual line that starts with a letter or `{`). */
export function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  return (first === 32 || first === 9 || first === 13 || first === 0xfeff) && text.trim() === "";
}

/** The non-blank lines of an input, each with its `name:line`; read errors become TW_INPUT_INVALID. */
export async function* lines(path: string): AsyncGenerator<{ text: string; where: string }> {
  const input = await openInput(path);
  const { name } = input;
  input.stream.setEncoding("utf8");
  let carry = "";
  let line = 0;
  try {
    for await (const chunk of input.stream as AsyncIterable<string>) {
      const parts = (carry + chunk).split("\n");
      carry = parts.pop()!;
      for (const part of parts) {
        const text = part.endsWith("\r") ? part.slice(0, -1) : part;
        line++;
        if (!isBlank(text)) yield { text, where: `${name}:${line}` };
      }
    }
    const text = carry.endsWith("\r") ? carry.slice(0, -1) : carry;
    line++;
    if (!isBlank(text)) yield { text, where: `${name}:${line}` };
  } catch (err) {
    if (err instanceof TwError) throw err;
    throw invalidInput(name, `cannot read (${(err as Error).message})`);
  } finally {
    input.close();
  }
}
