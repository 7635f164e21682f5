import { type CreateRecordsBatchOptions, crc32c, type MessageRecord } from "./platformatic-lib.js";

/**
 * A Kafka RecordBatch (magic 2) encoded in one pass into one Buffer, byte for byte what
 * @platformatic/kafka 1.35's `createRecordsBatch` writes for the same messages and options. The library
 * builds a Writer with a dozen small Buffers per record and does its timestamp math in BigInt; profiles
 * put about half of the producer thread there. Here: a sizing pass, one `allocUnsafe`, Number math.
 *
 * Only the common case is handled: no compression, no transaction, BigInt timestamps in [0, 2^53) whose
 * deltas fit an int32 (the library zig-zags 64-bit deltas with `>> 31n`, which only equals the real
 * zig-zag in that range), Uint8Array keys, values and header entries. For anything else it returns
 * `undefined` and the caller uses the library's encoder, so the bytes stay the library's either way.
 */
export function encodeRecordsBatch(
  messages: readonly MessageRecord[],
  options: Partial<CreateRecordsBatchOptions>,
): Buffer | undefined {
  if ((options.compression ?? "none") !== "none" || options.transactionalId) return undefined;
  const n = messages.length;
  if (n === 0) return undefined;
  const first = timestampOf(messages[0]!);
  if (first < 0) return undefined;
  const plan = sizeRecords(messages, first);
  if (plan === undefined) return undefined;
  const buf = Buffer.allocUnsafe(BATCH_HEADER + plan.bytes);
  let pos = BATCH_HEADER;
  for (let i = 0; i < n; i++) {
    pos = writeRecord(buf, pos, messages[i]!, i, bodies[i]!, deltas[i]!, headerBytes[i]!);
  }
  const m0 = messages[0]!;
  const firstSequence = options.sequences
    ? options.sequences.getWithDefault(`${m0.topic}:${m0.partition}`, 0)
    : 0;
  writeBatchHeader(buf, n, first, plan.max, options, firstSequence);
  return buf;
}

/**
 * FirstOffset (8), Length (4), PartitionLeaderEpoch (4), Magic (1), CRC (4), then what the CRC covers:
 * Attributes (2), LastOffsetDelta (4), First/MaxTimestamp (8 + 8), ProducerId (8), ProducerEpoch (2),
 * FirstSequence (4), record count (4).
 */
const BATCH_HEADER = 61;
const CRC_START = 21;
const INT32_RANGE = 2 ** 31;
const TWO_32 = 2 ** 32;
const MAX_SAFE_TIMESTAMP = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Per record: body length, zig-zagged timestamp delta and encoded headers, from the sizing pass to the
 * writing pass; reused between batches (encoding is synchronous, one batch at a time).
 */
let bodies: number[] = [];
let deltas: number[] = [];
let headerBytes: Buffer[] = [];

interface Plan {
  bytes: number;
  max: number;
}

/** The records' exact sizes, or `undefined` for a message this encoder leaves to the library. */
function sizeRecords(messages: readonly MessageRecord[], first: number): Plan | undefined {
  const n = messages.length;
  if (bodies.length < n) {
    bodies = new Array<number>(n).fill(0);
    deltas = new Array<number>(n).fill(0);
    headerBytes = new Array<Buffer>(n).fill(NO_HEADERS);
  }
  let bytes = 0;
  let max = first;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const ts = timestampOf(m);
    if (ts < 0) return undefined;
    const delta = ts - first;
    if (delta >= INT32_RANGE || delta < -INT32_RANGE) return undefined;
    if (ts > max) max = ts;
    const key = m.key;
    const value = m.value as unknown;
    if (!(value instanceof Uint8Array)) return undefined;
    if (key != null && !(key instanceof Uint8Array)) return undefined;
    const headers = headersBytes(m.headers);
    if (headers === undefined) return undefined;
    const zd = zigzag(delta);
    const body =
      1 +
      varintSize(zd) +
      varintSize(zigzag(i)) +
      bytesSize(key) +
      varintSize(zigzag(value.length)) +
      value.length +
      headers.length;
    bodies[i] = body;
    deltas[i] = zd;
    headerBytes[i] = headers;
    bytes += varintSize(zigzag(body)) + body;
  }
  return { bytes, max };
}

/** A message's timestamp as a Number, or -1 when it is not a BigInt in [0, 2^53). */
function timestampOf(m: MessageRecord): number {
  const ts = m.timestamp as unknown;
  if (typeof ts !== "bigint" || ts < 0n || ts > MAX_SAFE_TIMESTAMP) return -1;
  return Number(ts);
}

function writeRecord(
  buf: Buffer,
  pos: number,
  m: MessageRecord,
  offsetDelta: number,
  body: number,
  delta: number,
  headers: Buffer,
): number {
  let p = writeVarint(buf, pos, zigzag(body));
  buf[p++] = 0; // attributes
  p = writeVarint(buf, p, delta);
  p = writeVarint(buf, p, zigzag(offsetDelta));
  p = writeBytes(buf, p, m.key);
  p = writeBytes(buf, p, m.value);
  if (headers.length === 1) buf[p++] = headers[0]!;
  else p += headers.copy(buf, p);
  return p;
}

function writeBatchHeader(
  buf: Buffer,
  n: number,
  first: number,
  max: number,
  options: Partial<CreateRecordsBatchOptions>,
  firstSequence: number,
): void {
  writeInt64(buf, 0, 0); // FirstOffset
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(options.partitionLeaderEpoch ?? 0, 12);
  buf[16] = 2; // magic
  buf.writeInt16BE(0, 21); // attributes: no compression, not transactional
  buf.writeInt32BE(n - 1, 23);
  writeInt64(buf, 27, first);
  writeInt64(buf, 35, max);
  buf.writeBigInt64BE(options.producerId ?? -1n, 43);
  buf.writeInt16BE(options.producerEpoch ?? 0, 51);
  buf.writeInt32BE(firstSequence, 53);
  buf.writeInt32BE(n, 57);
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), 17);
}

/** A non-negative integer below 2^53 as a big-endian int64. */
function writeInt64(buf: Buffer, pos: number, v: number): void {
  buf.writeUInt32BE(Math.floor(v / TWO_32), pos);
  buf.writeUInt32BE(v % TWO_32, pos + 4);
}

/**
 * The encoded headers section (count, then each key and value with its length) per header entry set.
 * The producer copies the headers into a fresh Map per message, but the entries are the Buffers
 * `headersOf` made once per distinct headers object: the cache is keyed by the first key Buffer and
 * checked entry by entry (identity), so a Map with other contents is never given stale bytes.
 */
interface CachedHeaders {
  keys: Uint8Array[];
  values: (Uint8Array | null | undefined)[];
  bytes: Buffer;
}
const headerCache = new WeakMap<Uint8Array, CachedHeaders>();
const NO_HEADERS = Buffer.from([0]);

function headersBytes(headers: Map<Buffer, Buffer> | undefined): Buffer | undefined {
  if (headers == null || headers.size === 0) return NO_HEADERS;
  let cached: CachedHeaders | undefined;
  let firstKey: unknown;
  let i = 0;
  for (const [k, v] of headers as Map<unknown, unknown>) {
    if (i === 0) {
      firstKey = k;
      cached = k instanceof Uint8Array ? headerCache.get(k) : undefined;
      if (cached !== undefined && cached.keys.length !== headers.size) cached = undefined;
      if (cached === undefined) break;
    }
    if (k !== cached!.keys[i] || v !== cached!.values[i]) {
      cached = undefined;
      break;
    }
    i++;
  }
  if (cached !== undefined) return cached.bytes;
  const entry = encodeHeaders(headers);
  if (entry !== undefined) headerCache.set(firstKey as Uint8Array, entry);
  return entry?.bytes;
}

function encodeHeaders(headers: Map<Buffer, Buffer>): CachedHeaders | undefined {
  const keys: Uint8Array[] = [];
  const values: (Uint8Array | null | undefined)[] = [];
  let size = varintSize(zigzag(headers.size));
  for (const [k, v] of headers as Map<unknown, unknown>) {
    if (!(k instanceof Uint8Array) || (v != null && !(v instanceof Uint8Array))) return undefined;
    keys.push(k);
    values.push(v as Uint8Array | null | undefined);
    size += bytesSize(k) + bytesSize(v as Uint8Array | null | undefined);
  }
  const bytes = Buffer.allocUnsafe(size);
  let p = writeVarint(bytes, 0, zigzag(headers.size));
  for (let i = 0; i < keys.length; i++) {
    p = writeBytes(bytes, p, keys[i]);
    p = writeBytes(bytes, p, values[i]);
  }
  return { keys, values, bytes };
}

/** Zig-zag of an int32 as an unsigned Number (what the library's `intZigZagEncode` then `>>>` gives). */
function zigzag(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

function varintSize(u: number): number {
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
}

/** Length-prefixed bytes (null: length -1, nothing after), as `Writer.appendVarIntBytes`. */
function bytesSize(b: Uint8Array | null | undefined): number {
  return b == null ? 1 : varintSize(zigzag(b.length)) + b.length;
}

function writeVarint(buf: Uint8Array, pos: number, u: number): number {
  let p = pos;
  let v = u;
  while (v >= 0x80) {
    buf[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

function writeBytes(buf: Buffer, pos: number, b: Uint8Array | null | undefined): number {
  if (b == null) {
    buf[pos] = 1; // zig-zag of -1
    return pos + 1;
  }
  const p = writeVarint(buf, pos, zigzag(b.length));
  // A few bytes are cheaper copied by hand than through `set`'s native call.
  if (b.length < 16) {
    for (let i = 0; i < b.length; i++) buf[p + i] = b[i]!;
  } else buf.set(b, p);
  return p + b.length;
}
