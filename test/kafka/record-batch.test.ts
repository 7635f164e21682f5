import {
  type CreateRecordsBatchOptions,
  createRecordsBatch,
  type MessageRecord,
  NumericMap,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
} from "@platformatic/kafka";
import fc from "fast-check";
import { afterEach, describe, expect, test, vi } from "vitest";
import { produceRequest } from "../../src/kafka/platformatic-produce.js";
import { encodeRecordsBatch } from "../../src/kafka/record-batch.js";

// Our record-batch encoder against @platformatic/kafka's own, byte for byte, on random batches.

const TOPICS = ["events", "tópico-日本"];
/** Lengths on both sides of each varint boundary of their zig-zag (64, 8192, 2^20 bytes). */
const SIZES = [0, 1, 63, 64, 65, 100, 1000, 8191, 8192, 8193, 70_000, 1_048_575, 1_048_576];
const HEADER_NAMES = ["workflow", "schema_version", "content-type", "é", "日本語", ""];

const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

const arbValue = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SIZES), fc.nat(255)).map(([n, s]) => bytes(n, s)) },
);
const arbKey = fc.oneof(
  fc.constant(undefined),
  fc.constant(null as unknown as undefined),
  fc.constant(Buffer.alloc(0)),
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => Buffer.from(s)),
  fc.constantFrom(63, 64, 8192, 20_000).map((n) => bytes(n, 7)),
);

/** Header sets as the producer hands them over: entry Buffers made once, shared by many messages. */
const arbHeaderSets = fc.array(
  fc.array(
    fc.tuple(
      fc.constantFrom(...HEADER_NAMES),
      fc.oneof(fc.constant(""), fc.string({ unit: "binary", maxLength: 30 }), fc.constant("ü".repeat(40))),
    ),
    { maxLength: 5 },
  ),
  { minLength: 1, maxLength: 3 },
);

interface Draft {
  key: Buffer | undefined;
  value: Buffer;
  headerSet: number;
  /** Replace the last header's value by a new Buffer: same first key, other contents (cache check). */
  altered: boolean;
  step: number;
}

const arbDraft = fc.record({
  key: arbKey,
  value: arbValue,
  headerSet: fc.nat(2),
  altered: fc.boolean(),
  step: fc.oneof(
    fc.constant(0),
    fc.integer({ min: -5000, max: 5000 }),
    fc.integer({ min: -(2 ** 30), max: 2 ** 30 }),
  ),
});

const arbOptions = fc.record(
  {
    producerId: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
    producerEpoch: fc.integer({ min: 0, max: 32767 }),
    sequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    partitionLeaderEpoch: fc.integer({ min: 0, max: 1000 }),
  },
  { requiredKeys: [] },
);

type Options = {
  producerId?: bigint;
  producerEpoch?: number;
  sequence?: number;
  partitionLeaderEpoch?: number;
};

function batchOptions(o: Options, topic: string, partitions: number[]): Partial<CreateRecordsBatchOptions> {
  const options: Partial<CreateRecordsBatchOptions> = { compression: "none" };
  if (o.producerId !== undefined) options.producerId = o.producerId;
  if (o.producerEpoch !== undefined) options.producerEpoch = o.producerEpoch;
  if (o.partitionLeaderEpoch !== undefined) options.partitionLeaderEpoch = o.partitionLeaderEpoch;
  if (o.sequence !== undefined) {
    const sequences = new NumericMap();
    for (const p of partitions) sequences.set(`${topic}:${p}`, (o.sequence + p * 1000) % 2 ** 31);
    options.sequences = sequences;
  }
  return options;
}

/** Messages from drafts: timestamps walk from `base` by each draft's step (equal, up, down). */
function messagesOf(
  drafts: Draft[],
  sets: [string, string][][],
  base: bigint,
  topic: string,
  partition: (i: number) => number,
) {
  const built = sets.map((set) => set.map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const));
  let ts = base;
  return drafts.map((d, i): MessageRecord => {
    const entries = [...(built[d.headerSet % built.length] ?? [])];
    if (d.altered && entries.length > 0) {
      const [k, v] = entries[entries.length - 1]!;
      entries[entries.length - 1] = [k, Buffer.concat([v, Buffer.from("x")])];
    }
    ts += BigInt(d.step);
    if (ts < 0n) ts = 0n;
    return {
      key: d.key,
      value: d.value,
      headers: new Map(entries),
      topic,
      partition: partition(i),
      timestamp: ts,
    };
  });
}

/** The library mutates the messages it encodes: each side gets its own copies (same Buffers and Maps). */
const copies = (messages: MessageRecord[]) => messages.map((m) => ({ ...m }));

const arbBase = fc.bigInt({ min: 0n, max: 2n ** 42n });
const arbDrafts = fc.array(arbDraft, { minLength: 1, maxLength: 40 });
const stayInInt32 = (drafts: Draft[]) => {
  let t = 0;
  let lo = 0;
  let hi = 0;
  for (const d of drafts) {
    t += d.step;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  return hi - lo < 2 ** 31 - 1;
};

describe("record batch encoder", () => {
  test("one batch: byte-identical to the library's createRecordsBatch", () => {
    fc.assert(
      fc.property(arbDrafts, arbHeaderSets, arbBase, arbOptions, (drafts, sets, base, o) => {
        fc.pre(stayInInt32(drafts));
        const messages = messagesOf(drafts, sets, base, "events", () => 2);
        // Timestamps clamped at 0 can only shrink the spread.
        const options = batchOptions(o, "events", [2]);
        const ours = encodeRecordsBatch(copies(messages), options);
        const theirs = createRecordsBatch(copies(messages), options).buffer;
        expect(ours, "encoded by us, not left to the library").toBeDefined();
        expect(ours!.equals(theirs), `${ours!.length} vs ${theirs.length} bytes`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test("a header Map with the same first key but other entries gets its own bytes", () => {
    const k = Buffer.from("workflow");
    const a = new Map([[k, Buffer.from("shop")]]);
    const b = new Map([[k, Buffer.from("bank")]]);
    const c = new Map([
      [k, a.get(k)!],
      [Buffer.from("x"), Buffer.from("y")],
    ]);
    const messages = [a, b, a, c].map((headers) => ({
      value: Buffer.from("v"),
      headers,
      topic: "t",
      partition: 0,
      timestamp: 5n,
    }));
    const ours = encodeRecordsBatch(copies(messages), {});
    expect(ours!.equals(createRecordsBatch(copies(messages), {}).buffer)).toBe(true);
  });

  test("what it does not handle is left to the library (undefined), never encoded differently", () => {
    const m = (over: Partial<MessageRecord> | Record<string, unknown>) =>
      [{ value: Buffer.from("v"), topic: "t", partition: 0, timestamp: 1000n, ...over }] as MessageRecord[];
    expect(encodeRecordsBatch(m({}), { compression: "gzip" })).toBeUndefined();
    expect(encodeRecordsBatch(m({}), { transactionalId: "tx" })).toBeUndefined();
    expect(encodeRecordsBatch(m({ timestamp: 1000 }), {})).toBeUndefined();
    expect(encodeRecordsBatch(m({ timestamp: -1n }), {})).toBeUndefined();
    expect(encodeRecordsBatch(m({ timestamp: 2n ** 60n }), {})).toBeUndefined();
    expect(encodeRecordsBatch(m({ value: "text" }), {})).toBeUndefined();
    expect(encodeRecordsBatch(m({ headers: new Map([["k", Buffer.from("v")]]) }), {})).toBeUndefined();
    const far = [...m({}), ...m({ timestamp: 1000n + 2n ** 31n })];
    expect(encodeRecordsBatch(far, {})).toBeUndefined();
    expect(encodeRecordsBatch(m({}), {})).toBeDefined();
  });
});

const VERSIONS = [
  { version: 7, mod: produceV7, compact: false },
  { version: 8, mod: produceV8, compact: false },
  { version: 9, mod: produceV9, compact: true },
  { version: 10, mod: produceV10, compact: true },
  { version: 11, mod: produceV11, compact: true },
] as const;

describe("produce request", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test.each(VERSIONS)("v$version: byte-identical to the library's createRequest", ({ mod, compact }) => {
    // Messages without a timestamp get Date.now(): one instant for both sides.
    vi.spyOn(Date, "now").mockReturnValue(1_764_000_000_000);
    const arbRequest = fc.record({
      drafts: arbDrafts,
      sets: arbHeaderSets,
      base: arbBase,
      options: arbOptions,
      acks: fc.constantFrom(-1, 0, 1),
      timeout: fc.nat(60_000),
      partitions: fc.array(fc.nat(5), { minLength: 40, maxLength: 40 }),
      topics: fc.array(fc.nat(1), { minLength: 40, maxLength: 40 }),
      unstamped: fc.boolean(),
    });
    fc.assert(
      fc.property(arbRequest, (r) => {
        fc.pre(stayInInt32(r.drafts));
        const messages = messagesOf(r.drafts, r.sets, r.base, "", (i) => r.partitions[i]!).map((m, i) => {
          const topic = TOPICS[r.topics[i]!]!;
          return r.unstamped ? { ...m, topic, timestamp: undefined } : { ...m, topic };
        });
        const options = { ...batchOptions(r.options, TOPICS[0]!, [0, 1, 2, 3, 4, 5]) };
        const counts = { ours: 0, library: 0 };
        const create = produceRequest(compact, mod.createRequest, counts);
        const ours = create(r.acks, r.timeout, copies(messages), options);
        const theirs = mod.createRequest(r.acks, r.timeout, copies(messages), options);
        expect(ours.buffer.equals(theirs.buffer)).toBe(true);
        expect(ours.context).toEqual(theirs.context);
        expect(counts.library, "no batch left to the library").toBe(0);
        expect(counts.ours).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  test("compression goes to the library's request whole", () => {
    const counts = { ours: 0, library: 0 };
    const messages = [{ value: Buffer.from("v"), topic: "t", partition: 0, timestamp: 1n }];
    const ours = produceRequest(true, produceV11.createRequest, counts)(-1, 0, copies(messages), {
      compression: "gzip",
    });
    const theirs = produceV11.createRequest(-1, 0, copies(messages), { compression: "gzip" });
    expect(ours.buffer.equals(theirs.buffer)).toBe(true);
    expect(counts).toEqual({ ours: 0, library: 0 });
  });
});
