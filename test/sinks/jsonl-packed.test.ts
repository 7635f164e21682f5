import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DatasetOut, generateDataset } from "../../src/daemon/generate.js";
import { EndpointText, EngineEvent, SessionText, type TraceEvent } from "../../src/event/index.js";
import { generationOptions } from "../../src/sim/index.js";
import { TimestampFormatter } from "../../src/sim/timefmt.js";
import { JsonlEncoder } from "../../src/sinks/jsonl-encoder.js";
import { OP_LINE, type PackedBatch } from "../../src/sinks/jsonl-packed.js";
import { BatchPacker } from "../../src/sinks/jsonl-packer.js";
import { getPreset, presetNames, type Workflow } from "../../src/workflow/index.js";
import { datasetSpec, type GenOptions, generate } from "../sim/helpers.js";

/** `b` as the other thread gets it: structured-cloned, its two buffers transferred. */
function cross(b: PackedBatch): PackedBatch {
  return structuredClone(b, { transfer: [b.ints.buffer, b.nums.buffer] });
}

function lineRecords(b: PackedBatch): number {
  let n = 0;
  for (let i = 0; i < b.used; i++) if (b.ints[i] === OP_LINE) n++;
  return n;
}

/**
 * Encodes `events` in batches of `size` both ways: packed, crossed and encoded (the buffers given
 * back after each batch, as the relay does), and by JsonlEncoder.encode. Returns both texts and how
 * many lines were packed as lines.
 */
function both(events: readonly TraceEvent[], size: number) {
  const packer = new BatchPacker();
  const viaPack = new JsonlEncoder();
  const direct = new JsonlEncoder();
  const packed: Buffer[] = [];
  const want: Buffer[] = [];
  let asLines = 0;
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    const b = cross(packer.pack(batch));
    expect(b.count).toBe(batch.length);
    asLines += b.lines.length;
    expect(lineRecords(b)).toBeGreaterThanOrEqual(b.lines.length);
    viaPack.encodePacked(b, packed);
    viaPack.flush(packed);
    const back = structuredClone(
      { ints: b.ints, nums: b.nums },
      { transfer: [b.ints.buffer, b.nums.buffer] },
    );
    packer.recycle(back.ints, back.nums);
    direct.encode(batch, want);
    direct.flush(want);
  }
  return { packed: Buffer.concat(packed), want: Buffer.concat(want), asLines };
}

/**
 * The dataset of `o` as `generate`'s worker makes it for JSON Lines: the engine fills the packer call by
 * call (most calls as their parts, with no event made), each batch crossed and encoded as the main
 * thread does. Returns the bytes, the events and how many went as lines.
 */
async function packedByEngine(o: GenOptions, size: number) {
  const packer = new BatchPacker();
  const enc = new JsonlEncoder();
  const chunks: Buffer[] = [];
  let events = 0;
  let asLines = 0;
  const out: DatasetOut<BatchPacker> = {
    newBatch: () => {
      packer.begin();
      return packer;
    },
    write: async (p) => {
      const b = cross(p.finish());
      events += b.count;
      asLines += b.lines.length;
      enc.encodePacked(b, chunks);
      const back = structuredClone(
        { ints: b.ints, nums: b.nums },
        { transfer: [b.ints.buffer, b.nums.buffer] },
      );
      packer.recycle(back.ints, back.nums);
    },
    writeLabels: async () => {},
  };
  await generateDataset(datasetSpec(o), out, { batchSize: size });
  enc.flush(chunks);
  return { bytes: Buffer.concat(chunks), events, asLines };
}

describe("packed batches (generate's worker packs, the main thread encodes)", () => {
  it("are the same bytes when the engine packs each call as it makes it, for every preset", async () => {
    for (const name of presetNames()) {
      const o = {
        workflow: getPreset(name)!,
        users: 200,
        generation: { cascade: { ...generationOptions().cascade, rate: 0.3 } },
      };
      const { events } = await generate(o);
      const want = events.map((e) => `${JSON.stringify(e)}\n`).join("");
      const got = await packedByEngine(o, 512);
      expect(got.events).toBe(events.length);
      expect(got.bytes.toString("utf8")).toBe(want);
      // The calls inside a cascade are made as events and go as lines; the others go as numbers.
      const inCascade = events.filter((e) => e.cascade_id !== null).length;
      expect(inCascade).toBeGreaterThan(0);
      expect(got.asLines).toBe(inCascade);
    }
  });

  it("are the same bytes for paths and params drawn from any template and choices", async () => {
    // Templates with text to escape and to percent-encode, integers beyond 2^53 (made as events),
    // choices of strings and numbers, and a query name that is an array index (an object puts it first).
    // The last has a surrogate pair cut by a parameter that may be empty.
    const pieces = ['/a"b\\c/{x}', "/ü/{x}/😀/{n}", "/big/{huge}", "/q", "/{x}{n}", "/s\uD83D{e}\uDE00"];
    const choices = ["a b", "ü", "x/y", "plain", 7, "é\"'"];
    const workflow: Workflow = {
      name: "drawn",
      entry_points: Object.fromEntries(pieces.map((p) => [p, 1 / pieces.length])),
      transitions: Object.fromEntries(
        pieces.map((p) => [p, Object.fromEntries([...pieces, "$end"].map((q) => [q, 1 / 7]))]),
      ),
      exit_points: [],
      endpoints: {
        [pieces[0]!]: { params: { x: ["a b", "c"], page: { min: -5, max: 5 }, "10": ["z"] } },
        [pieces[1]!]: { params: { x: choices, n: { min: 0, max: 99999 }, sort: choices } },
        [pieces[2]!]: { params: { huge: { min: 2 ** 60, max: 2 ** 62 } } },
        [pieces[3]!]: { params: { 'na"me': choices, k: { min: 1, max: 3 } } },
        [pieces[4]!]: { params: { x: [1, 2], n: ["-"] } },
        [pieces[5]!]: { params: { e: ["", "z"] } },
      },
    };
    const o = { workflow, users: 300 };
    const { events } = await generate(o);
    const got = await packedByEngine(o, 256);
    expect(got.bytes.toString("utf8")).toBe(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
    // The calls of the endpoint with a query name "10" (their path holds a quote) and those of the
    // cut surrogate pair (not ASCII) are made as events, and go as lines; the others go as numbers,
    // from their draws or (beyond 2^53) their path.
    const made = events.filter((e) => e.endpoint === pieces[0] || e.endpoint === pieces[5]).length;
    expect(made).toBeGreaterThan(0);
    expect(got.asLines).toBe(made);
    expect(events.some((e) => e.endpoint === pieces[2] && Number(e.path.slice(5)) > 2 ** 53)).toBe(true);
    expect(events.some((e) => e.path.includes("%C3%A9%22'"))).toBe(true);
  });

  it("are the same bytes for calls whose time the packing does not cover (before 1970)", async () => {
    const startMs = Date.parse("1969-12-31T00:00:00Z");
    const o = { users: 40, days: 2, startMs };
    const { events } = await generate(o);
    const got = await packedByEngine(o, 100);
    expect(got.bytes.toString("utf8")).toBe(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
    // Some of its calls fall before 1970 (lines), the others after (numbers).
    expect(got.asLines).toBeGreaterThan(0);
    expect(got.asLines).toBeLessThan(got.events);
  });

  it("give the encoder's bytes for every preset, with cascades and retries", async () => {
    for (const name of presetNames()) {
      const { events } = await generate({
        workflow: getPreset(name)!,
        users: 200,
        generation: { cascade: { ...generationOptions().cascade, rate: 0.3 } },
      });
      expect(events.length).toBeGreaterThan(1000);
      const { packed, want, asLines } = both(events, 512);
      expect(packed.equals(want)).toBe(true);
      expect(packed.toString("utf8")).toBe(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
      // Only the events inside a cascade travel as lines.
      const inCascade = events.filter((e) => e.cascade_id !== null).length;
      expect(inCascade).toBeGreaterThan(0);
      expect(asLines).toBe(inCascade);
    }
  });

  it("packs a plain dataset as numbers only", async () => {
    const { events } = await generate({ users: 300 });
    const { packed, want, asLines } = both(events, 8192);
    expect(packed.equals(want)).toBe(true);
    expect(asLines).toBe(0);
  });

  it("gives the encoder's bytes for engine events with any strings, params, and fields changed since", () => {
    const fmt = new TimestampFormatter();
    // Mostly text the packing takes (printable ASCII), some it leaves to the line encoder.
    const text = fc.oneof(
      { arbitrary: fc.constantFrom("s1-7-0", "user-7", "new", "/a/{id}", "GET", "", "x y", "q"), weight: 4 },
      { arbitrary: fc.constantFrom('"', "\\", "é", "🚀", "\n"), weight: 1 },
      { arbitrary: fc.string(), weight: 1 },
      { arbitrary: fc.string({ unit: "binary" }), weight: 1 },
    );
    const num = fc.oneof(
      fc.integer({ min: 0, max: 1_000_000 }).map((k) => k / 10),
      fc.integer(),
      fc.double(),
      fc.constantFrom(-0, 999, 1000, 2 ** 31, Number.NaN),
    );
    // A field changed after the engine made the event, to a value of its type.
    const change = fc.oneof(
      fc.tuple(
        fc.constantFrom("event_id", "session_id", "user_id", "workflow", "endpoint", "path", "timestamp"),
        text,
      ),
      fc.tuple(fc.constantFrom("call_index", "status_code"), num),
      fc.tuple(fc.constantFrom("cascade_id", "error"), fc.option(text)),
    );
    const session = fc
      .tuple(text, text, text, text)
      .map(([wf, uid, ut, sid]) => new SessionText(wf, uid, ut, sid));
    const endpoint = fc.tuple(text, fc.constantFrom("GET", "POST")).map(([ep, m]) => new EndpointText(ep, m));
    const call = fc.record({
      s: fc.nat(3),
      ep: fc.nat(2),
      index: fc.oneof({ arbitrary: fc.nat(300), weight: 5 }, fc.constantFrom(0x7fffffff, 2 ** 31, 2 ** 40)),
      ms: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 4e12 }), weight: 5 },
        fc.integer({ min: -1e13, max: 1e13 }),
      ),
      path: fc.option(text),
      params: fc.dictionary(text, fc.oneof(text, num), { maxKeys: 4 }),
      status: fc.oneof({ arbitrary: fc.constantFrom(200, 404, 503), weight: 5 }, num),
      rt: num,
      retry: fc.boolean(),
      change: fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, change),
    });
    // One packer and one encoder over every run: ids and memos carry on, as in a stream.
    const packer = new BatchPacker();
    const enc = new JsonlEncoder();
    let asNumbers = 0;
    fc.assert(
      fc.property(
        fc.array(session, { minLength: 4, maxLength: 4 }),
        fc.array(endpoint, { minLength: 3, maxLength: 3 }),
        fc.array(call, { maxLength: 25 }),
        (sessions, endpoints, calls) => {
          const events = calls.map((c) => {
            const et = endpoints[c.ep]!;
            const ts = fmt.format(c.ms);
            const e = EngineEvent.made(
              sessions[c.s]!,
              c.index,
              ts,
              fmt.minute,
              fmt.inMinute,
              et,
              c.path === null ? et.endpoint : `${et.endpoint}/${c.path}`,
              c.params,
              c.status,
              c.rt,
              c.retry,
              null,
            );
            if (c.change !== null) (e as unknown as Record<string, unknown>)[c.change[0]] = c.change[1];
            return e;
          });
          const chunks: Buffer[] = [];
          const b = cross(packer.pack(events));
          asNumbers += b.count - b.lines.length;
          enc.encodePacked(b, chunks);
          enc.flush(chunks);
          expect(Buffer.concat(chunks).toString("utf8")).toBe(
            events.map((e) => `${JSON.stringify(e)}\n`).join(""),
          );
        },
      ),
      { numRuns: 400 },
    );
    // Not all of them went the line way.
    expect(asNumbers).toBeGreaterThan(200);
  });
});
