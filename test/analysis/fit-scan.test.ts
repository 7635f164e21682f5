// fit's byte scanner against the JSON.parse path: the same report on the same input, whatever the
// lines look like and wherever a read chunk ends; and its parts (line splitting, numbers, session
// keys) against what they stand in for.
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Literal, NumberReader } from "../../src/analysis/fit/bytes.js";
import { buildWorkflow, FitLearner, fitInputs, PathParams } from "../../src/analysis/fit/index.js";
import { eventCall } from "../../src/analysis/fit/input.js";
import { SessionKeys } from "../../src/analysis/fit/keys.js";
import { type FitRunOptions, thinkTime } from "../../src/analysis/fit/run.js";
import { EventScanner } from "../../src/analysis/fit/scan.js";
import { isIntText } from "../../src/analysis/fit/stats.js";
import { eachLineBytes, FILE_CHUNK, fileChunks, isBlank } from "../../src/recordings/input.js";
import { RUNS } from "../property/clear.js";

const dir = mkdtempSync(join(tmpdir(), "tw-fit-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPTIONS: FitRunOptions = {
  name: "scan",
  minCount: 0,
  smooth: 0,
  format: undefined,
  strict: false,
  gapMs: 30 * 60_000,
  templates: [],
};

/** Session ids kept as the strings they are: the reference groups by text, not by packed numbers. */
class TextKeys extends SessionKeys {
  override of(id: string): string {
    return id;
  }
}

/** fit as it was before the scanner: the text split into lines, JSON.parse and the checks of each. */
function referenceFit(text: string) {
  const learner = new FitLearner(OPTIONS.gapMs);
  const paths = new PathParams();
  const keys = new TextKeys();
  const input = { lines: 0, malformed: 0, skipped: 0 };
  const parts = text.split("\n");
  if (parts.at(-1) === "") parts.pop();
  for (const part of parts) {
    const line = part.endsWith("\r") ? part.slice(0, -1) : part;
    if (isBlank(line)) continue;
    input.lines++;
    try {
      learner.add(eventCall(JSON.parse(line), paths, keys));
    } catch {
      input.malformed++;
    }
  }
  learner.finish();
  const { workflow, rows, rare } = buildWorkflow(learner, OPTIONS);
  const think_time = thinkTime(learner.think);
  return {
    workflow,
    rows,
    rare,
    input,
    sessions: learner.tally,
    think_time,
    reading: { threads: 1 as const },
  };
}

const GOLDEN = readFileSync(new URL("../fixtures/golden/ecommerce-cascade.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter(Boolean);
type Event = Record<string, unknown>;
const base = (i: number): Event => JSON.parse(GOLDEN[i % GOLDEN.length]!);

/** The line without one of its fields, the others in their order. */
function without(line: string, field: string): string {
  const { [field]: _, ...rest } = JSON.parse(line) as Event;
  return JSON.stringify(rest);
}

/** Lines no tracewalk sink writes, each read by JSON.parse (or refused) either way. */
function oddLines(copy: number): string[] {
  const e = (patch: Event) => JSON.stringify({ ...base(copy), session_id: `odd-${copy}`, ...patch });
  const { workflow, ...rest } = base(copy + 1);
  return [
    JSON.stringify({ ...rest, workflow }), // another field order
    e({ params: { q: 'red "shoes"', page: 2 } }), // an escape
    e({ params: { q: "café ☕" }, user_type: "nuevo-ñ" }), // non-ASCII where a string is needed
    e({ event_id: "é-1", session_id: `sé-${copy}` }), // non-ASCII in a skipped field and the session id
    e({ response_time_ms: 1.5e21, call_index: 2.0, status_code: 503 }), // an exponent
    e({ response_time_ms: 0.1 + 0.2, params: { n: -0, big: 12345678901234568, f: 1e-7 } }),
    `${e({})}`.replace('"cascade_id":null}', '"cascade_id":null,"error":"timeout"}'), // Event v2
    e({ params: { nested: { a: 1 } } }),
    e({ params: { flag: true } }),
    e({ params: { ["__proto__"]: "x", ok: 1 } }),
    e({ session_id: "s01-2-3" }),
    e({ session_id: "s1-2-3-4" }),
    e({ session_id: "s1-99999999999-1" }),
    e({ session_id: "s1-2-70000" }),
    e({ timestamp: "2026-01-01T16:49:39Z" }),
    e({ timestamp: "2026-01-01T17:49:39.123+01:00" }),
    e({ timestamp: "2026-13-01T00:00:00.000Z" }), // malformed: no such month
    e({ timestamp: "2026-01-01T24:00:00.000Z" }),
    e({ endpoint: "/api/orders/{id}/items/{item}", path: "/api/orders/7/items/x-9" }),
    e({ endpoint: "/api/orders/{id}", path: "/api/orders/7/extra" }), // does not line up: no id
    e({ endpoint: "/api/orders/{id}", path: "/api/orders/" }), // an empty id
    e({ is_retry: "yes" }), // malformed: not a boolean
    // The shortcuts that compare a field with what came before instead of scanning it, made to miss.
    e({ endpoint: "/api/cart", path: "/api/cartx", method: "GET" }), // a path longer than its endpoint
    e({ endpoint: "/api/cart", path: "/api/car", method: "GET" }), // and shorter
    e({ endpoint: "/api/cart", path: "/api/cart", method: "DELETE" }), // another method, then back
    e({ endpoint: "/api/cart", path: "/api/cart", method: "GE" }), // a method too short to compare
    e({ endpoint: "/api/cart", path: "/api/cart", method: "GETS" }),
    e({ workflow: "ecommerce2" }), // another workflow, then back
    ...["t1", "t2", "t3", "t4", "t5"].map((t) => e({ user_type: t })), // more user types than are tried as bytes
    without(e({}), "params"), // the bytes after the method are not those of the last call
    e({ endpoint: "/api/products", path: "/api/products", params: { page: 3, category: "books" } }), // other name order
    e({ endpoint: "/api/products", path: "/api/products", params: { categor: "x", pages: 1, x: 2 } }),
    e({ endpoint: "/api/products", path: "/api/products", params: { category: "toys", page: 1, "": 5 } }),
    without(e({}), "user_id"), // nor after the workflow
    without(e({}), "is_retry"),
    e({ workflow: "ec" }),
    e({ workflow: "café-ü" }), // non-ASCII: compared as its bytes on the next line
    e({ workflow: "café-ü" }),
    e({ workflow: "ecommerc" }),
    `${e({})}`.replace('"cascade_id":null}', '"cascade_id":null,"cascade_id":"c-9"}'), // no cascade, then one
    `${e({})}`.replace('"cascade_id":null}', '"cascade_id":nul}'), // malformed
    `${e({}).slice(0, -12)}`, // truncated
    `${e({})}}`, // trailing garbage
    "not json at all",
    "   ",
    "\t",
    "",
  ];
}

/** The golden events 25 times over (seeds 1..25: past 16, session keys stay strings), odd lines between. */
function corpus(): string {
  const lines: string[] = [];
  for (let copy = 0; copy < 25; copy++) {
    for (const [i, line] of GOLDEN.entries()) {
      const seeded = line.replaceAll(/"(session_id|event_id)":"s\d+-/g, `"$1":"s${copy + 1}-`);
      lines.push(i % 7 === 3 ? `${seeded}\r` : seeded); // some lines end in CRLF
      // One call of a session through JSON.parse (an escape) between its calls through the scanner.
      if (i % 23 === 5) lines.push(seeded.replace('"params":{}', '"params":{"note":"a\\u0062"}'));
    }
    lines.push(...oddLines(copy));
  }
  return lines.join("\n");
}

/** Pads the text so that a file chunk ends inside a line and inside a 3-byte character. */
function splitAtChunk(text: string): string {
  const bytes = Buffer.byteLength(text);
  expect(bytes).toBeGreaterThan(FILE_CHUNK);
  const cut = text.indexOf("\n", FILE_CHUNK / 2);
  const head = text.slice(0, cut);
  const pad = FILE_CHUNK - Buffer.byteLength(head) - 1 - '{"x":"'.length - 1;
  const line = `{"x":"${"a".repeat(pad)}€"}`;
  const at = Buffer.byteLength(`${head}\n${'{"x":"'}${"a".repeat(pad)}`);
  expect(at).toBe(FILE_CHUNK - 1); // "€" is bytes FILE_CHUNK-1 .. FILE_CHUNK+1
  return `${head}\n${line}\n${text.slice(cut + 1)}`;
}

describe("fit's byte scanner", () => {
  const text = splitAtChunk(corpus());
  const reference = referenceFit(text);

  it("the corpus has what it should: calls, retries, errors, cascades, malformed lines", () => {
    expect(reference.sessions.calls).toBeGreaterThan(1800);
    expect(reference.sessions.retries).toBeGreaterThan(100);
    expect(reference.input.malformed).toBeGreaterThan(80);
    expect(reference.workflow.endpoints?.["/api/orders/{id}/items/{item}"]?.params).toBeDefined();
    expect(text).toMatch(/"cascade_id":"/);
  });

  it("reads every line tracewalk wrote itself, and leaves the odd ones to JSON.parse", () => {
    const scanner = new EventScanner(new SessionKeys());
    const scan = (line: string) => scanner.scan(Buffer.from(line), 0, Buffer.byteLength(line));
    for (const line of GOLDEN) expect(scan(line), line).toBeDefined();
    const odd = oddLines(0).filter((l) => l.startsWith("{"));
    const read = odd.filter((l) => scan(l) !== undefined);
    // Read in place: exponents and long numbers, ids not of the engine's form, other time forms, v2's error.
    expect(read.length).toBeGreaterThan(10);
    expect(read.length).toBeLessThan(odd.length - 8);
  });

  it("reads a line whole (its end unknown) as scan reads it, or leaves it to scan", () => {
    const [a, b] = [new EventScanner(new SessionKeys()), new EventScanner(new SessionKeys())];
    let taken = 0;
    for (const line of [...GOLDEN, ...oddLines(0)]) {
      const bytes = Buffer.from(`${line}\n{"next":1}\n`);
      const n = Buffer.byteLength(line);
      const want = a.scan(bytes, 0, n);
      const nl = b.scanLine(bytes, 0, bytes.length);
      if (nl < 0) continue;
      taken++;
      expect(nl, line).toBe(n);
      expect({ ...b.call }, line).toEqual({ ...want });
      expect(want?.isRetry || /"cascade_id":"/.test(line), line).toBe(false);
    }
    expect(taken).toBeGreaterThan(GOLDEN.length / 2);
  });

  it.each([
    ["a plain file, no newline at its end", "events.jsonl", (t: string) => Buffer.from(t)],
    [
      "a gzipped file (other chunk ends), with a newline at its end",
      "events.jsonl.gz",
      (t: string) => gzipSync(`${t}\n`),
    ],
  ])("gives the report the JSON.parse path gives: %s", async (_, name, bytes) => {
    const path = join(dir, name);
    writeFileSync(path, bytes(text));
    const got = await fitInputs([path], OPTIONS);
    const { examples, ...input } = got.input;
    expect(examples.length).toBe(5);
    expect({ ...got, input }).toEqual(reference);
  });

  it("reads several inputs into one learner as one would", async () => {
    const [a, b] = [join(dir, "a.jsonl"), join(dir, "b.jsonl")];
    const lines = text.split("\n");
    const half = Math.floor(lines.length / 2);
    writeFileSync(a, `${lines.slice(0, half).join("\n")}\n`);
    writeFileSync(b, lines.slice(half).join("\n"));
    const got = await fitInputs([a, b], OPTIONS);
    expect(got.rows).toEqual(reference.rows);
    expect(got.sessions).toEqual(reference.sessions);
  });
});

describe("lines from bytes", () => {
  const text = '{"a":"é€😀"}\r\n\n  \r\nline two ü\nlast € without newline';
  const want = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));

  it("are the lines of the text wherever the chunks end, inside a character too", async () => {
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 9; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const got: [string, number][] = [];
      await eachLineBytes(chunks, (b, s, e, n) => got.push([b.toString("utf8", s, e), n]));
      expect(got).toEqual(want.map((l, i) => [l, i + 1]));
    }
  });
  it("hands a line to `whole` first, and to onLine only when whole did not take it, numbered as ever", async () => {
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 5, 7, 9, 12, 16, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const got: [string, number][] = []; // each line, and onLine's number (0: taken by whole)
      // Takes a line that starts with "l" when its newline is in the same chunk.
      const whole = (b: Buffer, start: number, limit: number) => {
        const nl = b.indexOf(10, start);
        if (b[start] !== 108 || nl < 0 || nl >= limit) return -1;
        got.push([b.toString("utf8", start, nl), 0]);
        return nl;
      };
      await eachLineBytes(chunks, (b, s, e, n) => got.push([b.toString("utf8", s, e), n]), whole);
      expect(got.map(([l]) => l)).toEqual(want);
      got.forEach(([, n], i) => {
        if (n !== 0) expect(n).toBe(i + 1); // lines taken by whole were counted too
      });
      if (size === bytes.length) expect(got.filter(([, n]) => n === 0).length).toBe(1); // "line two ü"
    }
  });
});

describe("a file read ahead", () => {
  const text = '{"a":"é€😀"}\r\n\n  \r\nline two ü\nlast € without newline';
  const bytes = Buffer.from(text);
  const path = join(dir, "read-ahead.txt");
  writeFileSync(path, bytes);

  /** Collects the chunks (copied: each is valid only until the next) and the lines of the file. */
  async function readAll(size: number, ahead: number, range?: { from: number; to: number }) {
    const fd = openSync(path, "r");
    try {
      const copies: Buffer[] = [];
      const lines: string[] = [];
      const chunks = fileChunks(fd, size, ahead, range);
      const seen = (async function* () {
        for await (const c of chunks) {
          copies.push(Buffer.from(c));
          yield c;
        }
      })();
      await eachLineBytes(seen, (b, s, e) => lines.push(b.toString("utf8", s, e)));
      return { bytes: Buffer.concat(copies), lines, count: copies.length };
    } finally {
      closeSync(fd);
    }
  }

  it("gives the file's bytes in order and its lines, whatever the chunk size and reads in flight", async () => {
    const want = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    for (const ahead of [1, 2, 3]) {
      for (const size of [1, 2, 3, 5, 7, 16, bytes.length, bytes.length + 1, 4096]) {
        const got = await readAll(size, ahead);
        expect(got.bytes.equals(bytes), `size ${size}, ahead ${ahead}`).toBe(true);
        expect(got.lines).toEqual(want);
        expect(got.count).toBe(Math.ceil(bytes.length / size));
      }
    }
  });

  it("gives the bytes of a range of the file, wherever it starts and ends", async () => {
    for (const size of [1, 3, 7, 4096]) {
      for (let from = 0; from <= bytes.length; from += 3) {
        for (const to of [
          from,
          from + 1,
          from + 5,
          bytes.length,
          bytes.length + 9,
          Number.POSITIVE_INFINITY,
        ]) {
          const got = await readAll(size, 2, { from, to });
          expect(got.bytes.equals(bytes.subarray(from, to)), `size ${size}, [${from}, ${to})`).toBe(true);
        }
      }
    }
  });

  it("waits for the reads in flight when its reader stops early, and reports a failed read", async () => {
    const fd = openSync(path, "r");
    const chunks = fileChunks(fd, 4, 3);
    const first = await chunks.next();
    expect(first.value?.toString()).toBe(text.slice(0, 4));
    await chunks.return(undefined); // settles the three reads in flight before it returns
    closeSync(fd);
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const dirFd = openSync(folder, "r");
    try {
      await expect(fileChunks(dirFd, 8, 2).next()).rejects.toMatchObject({ code: "EISDIR" });
    } finally {
      closeSync(dirFd);
    }
  });
});

describe("the scanner's parts", () => {
  it("tells integer text as the regex it stands in for does", () => {
    const text = fc.oneof(
      fc.string(),
      fc.stringMatching(/^-?[0-9]{0,17}$/),
      fc.constantFrom("", "-", "٣", "1\n"),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(isIntText(s), JSON.stringify(s)).toBe(/^-?\d{1,15}$/.test(s));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it("matches a literal exactly when the bytes are its bytes, NaN and ±0 patterns included", () => {
    // Bytes that make doubles NaN (0x7f 0xf0.. / 0xff), ±0 (all 0x00, 0x80 last) and plain ASCII.
    const byte = fc.constantFrom(0x00, 0x80, 0xff, 0x7f, 0xf0, 0xf8, 0x22, 0x61, 0x3a);
    const input = fc.record({
      lit: fc.array(byte, { minLength: 4, maxLength: 40 }),
      flip: fc.option(fc.nat(), { nil: undefined }),
      to: byte,
      pad: fc.nat({ max: 9 }),
    });
    fc.assert(
      fc.property(input, ({ lit, flip, to, pad }) => {
        const line = Buffer.from([...Array<number>(pad).fill(0x20), ...lit, 0x7d]);
        if (flip !== undefined) line[pad + (flip % lit.length)] = to;
        const same = line.subarray(pad, pad + lit.length).equals(Buffer.from(lit));
        const v = new DataView(line.buffer, line.byteOffset, line.byteLength);
        const l = new Literal(Buffer.from(lit).toString("latin1"));
        expect(l.at(v, pad, line.length)).toBe(same ? pad + lit.length : -1);
        expect(l.at(v, pad, pad + lit.length - 1)).toBe(-1);
      }),
      { numRuns: RUNS * 20 },
    );
    // The cases a compare of doubles gets wrong unless the literal keeps its words: +0 = -0, NaN ≠ NaN.
    const at = (lit: number[], line: number[]) =>
      new Literal(Buffer.from(lit).toString("latin1")).at(
        new DataView(new Uint8Array(line).buffer),
        0,
        line.length,
      );
    const zeros = [0, 0, 0, 0, 0, 0, 0, 0];
    expect(at(zeros, [0, 0, 0, 0, 0, 0, 0, 0x80])).toBe(-1);
    expect(at(zeros, zeros)).toBe(8);
    const nan = [1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x22];
    expect(at(nan, nan)).toBe(9);
    expect(at(nan, [1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x23])).toBe(-1);
  });

  it("reads JSON numbers as JSON.parse does", () => {
    const r = new NumberReader();
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), (x) => {
        const text = `${JSON.stringify(x)},`;
        const end = r.read(Buffer.from(text), 0, text.length);
        expect(end).toBe(text.length - 1);
        expect(Object.is(r.value, JSON.parse(text.slice(0, -1)))).toBe(true);
      }),
      { numRuns: RUNS * 10 },
    );
    for (const bad of ["01", "-", "1.", ".5", "1e", "+1", "1.e3"]) {
      expect(r.read(Buffer.from(`${bad},`), 0, bad.length + 1), bad).toBe(-1);
    }
  });

  it("gives two session ids one key exactly when they are equal, from bytes as from text", () => {
    const id = fc.oneof(
      fc.tuple(fc.nat(40), fc.nat(2 ** 34), fc.nat(2 ** 17)).map(([s, u, n]) => `s${s}-${u}-${n}`),
      // Small and edge numbers, where a packing that overlaps its fields would collide.
      fc
        .tuple(
          fc.nat(3),
          fc.oneof(fc.nat(300), fc.constantFrom(2 ** 20 - 1, 2 ** 20, 2 ** 33 - 1, 2 ** 33)),
          fc.oneof(fc.nat(300), fc.constantFrom(1023, 1024, 65_535, 65_536)),
        )
        .map(([s, u, n]) => `s${s}-${u}-${n}`),
      fc.stringMatching(/^s[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}$/),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(id, { minLength: 100, maxLength: 300 }), (ids) => {
        const keys = new SessionKeys();
        const seen = new Map<string | number, string>();
        for (const x of ids) {
          const b = Buffer.from(x);
          const k = keys.of(x);
          expect(keys.ofBytes(b, 0, b.length) ?? x).toBe(k);
          if (!/["\\]/.test(x)) {
            const quoted = Buffer.from(`${x}",`);
            expect(keys.ofQuoted(quoted, 0, quoted.length) ?? x).toBe(k);
          }
          expect(seen.get(k) ?? x).toBe(x);
          seen.set(k, x);
          // Back to its id (a learner of a file's other half has keys of its own).
          expect(keys.idOf(k)).toBe(x);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
