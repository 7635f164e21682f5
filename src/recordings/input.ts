import { createReadStream } from "node:fs";
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
