/**
 * A batch's records packed into one buffer: how the Kafka sink builds its batches (each event's JSON copied
 * once, from the JSON Lines encoder's chunk into the batch) and how they cross to the producer thread (the
 * buffer transferred, not copied; `threaded.ts`). A client library in this thread gets them as records
 * (`recordsOf`): views of the buffer, no copy.
 */
import type { KafkaRecord } from "./client.js";
import { keyPartitionHash } from "./murmur2.js";

/**
 * Record i's key is `bytes[pos[2i], pos[2i+1])` (null when `hasKey[i]` is 0) and its value
 * `bytes[pos[2i+1], pos[2i+2])`; its headers are `headers[headerIndex[i]]`; `keyHash[i]` is its key's
 * `keyPartitionHash` (0 without a key). `bytes` is an allocation of its own, so that it can be transferred.
 */
export interface PackedRecords {
  /** How many records: still there once the buffers were transferred (detached) to the producer thread. */
  count: number;
  bytes: ArrayBuffer;
  pos: Uint32Array;
  hasKey: Uint8Array;
  keyHash: Int32Array;
  headers: Record<string, string>[];
  headerIndex: Uint16Array;
}

/** What the sink hands a client: records, or records packed (the sink's event batches). */
export type KafkaBatch = readonly KafkaRecord[] | PackedRecords;

/** How many records a batch holds. */
export function batchLength(b: KafkaBatch): number {
  return isPacked(b) ? b.count : b.length;
}

export function isPacked(b: KafkaBatch): b is PackedRecords {
  return !Array.isArray(b);
}

/** Records packed, one after another, by `add`/`addBytes`; `build` hands them over and ends the builder. */
export class PackedRecordsBuilder {
  private buf: Buffer;
  private at = 0;
  private n = 0;
  private pos: Uint32Array;
  private hasKey: Uint8Array;
  private keyHash: Int32Array;
  private headerIndex: Uint16Array;
  private readonly headers: Record<string, string>[] = [];
  private readonly seen = new Map<object, number>();
  private lastHeaders: object | undefined;
  private lastHeaderIndex = 0;

  /** `records` and `bytes`: the expected size (a batch like the last), to grow as rarely as possible. */
  constructor(records = 64, bytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(64, bytes));
    const cap = Math.max(1, records);
    this.pos = new Uint32Array(2 * cap + 1);
    this.hasKey = new Uint8Array(cap);
    this.keyHash = new Int32Array(cap);
    this.headerIndex = new Uint16Array(cap);
  }

  get length(): number {
    return this.n;
  }

  /** Bytes of keys and values so far. */
  get byteLength(): number {
    return this.at;
  }

  /** A record whose value is `src[start, end)`, copied here. */
  addBytes(
    key: string | Buffer | null,
    src: Uint8Array,
    start: number,
    end: number,
    headers: Readonly<Record<string, string>>,
  ): void {
    const i = this.keyed(key, headers);
    this.put(src.subarray(start, end));
    this.pos[2 * i + 2] = this.at;
  }

  add(r: KafkaRecord): void {
    const i = this.keyed(r.key, r.headers);
    this.put(r.value);
    this.pos[2 * i + 2] = this.at;
  }

  /** The records, exactly as many as were added (the buffer's tail past the last is unused). */
  build(): PackedRecords {
    const n = this.n;
    const packed: PackedRecords = {
      count: n,
      bytes: this.buf.buffer as ArrayBuffer,
      pos: this.pos.length === 2 * n + 1 ? this.pos : this.pos.slice(0, 2 * n + 1),
      hasKey: this.hasKey.length === n ? this.hasKey : this.hasKey.slice(0, n),
      keyHash: this.keyHash.length === n ? this.keyHash : this.keyHash.slice(0, n),
      headers: this.headers,
      headerIndex: this.headerIndex.length === n ? this.headerIndex : this.headerIndex.slice(0, n),
    };
    this.buf = Buffer.alloc(0);
    return packed;
  }

  /** Starts record n: its key and headers; returns n. Its value goes next. */
  private keyed(key: string | Buffer | null, headers: Readonly<Record<string, string>>): number {
    const i = this.n++;
    if (i === this.hasKey.length) this.more();
    this.pos[2 * i] = this.at;
    if (key !== null) {
      this.hasKey[i] = 1;
      this.put(key);
      // Hashed here, where the bytes were just written: the producer thread places the record by it.
      this.keyHash[i] = keyPartitionHash(this.buf, this.pos[2 * i]!, this.at);
    } else {
      this.hasKey[i] = 0;
      this.keyHash[i] = 0;
    }
    this.pos[2 * i + 1] = this.at;
    // Runs of one workflow's events share their headers object: the last one is checked first.
    let h = headers === this.lastHeaders ? this.lastHeaderIndex : this.seen.get(headers);
    if (h === undefined) {
      h = this.headers.push({ ...headers }) - 1;
      this.seen.set(headers, h);
    }
    this.lastHeaders = headers;
    this.lastHeaderIndex = h;
    this.headerIndex[i] = h;
    return i;
  }

  private put(s: string | Uint8Array): void {
    if (typeof s === "string") {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact length is counted only near the end.
      const n = s.length;
      if (this.at + n * 3 > this.buf.length) this.room(Buffer.byteLength(s));
      // Short ASCII (a session id) stored in a loop: cheaper than a call into the UTF-8 encoder.
      if (n <= 64) {
        const buf = this.buf;
        const at = this.at;
        let i = 0;
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) break;
          buf[at + i] = c;
        }
        if (i === n) {
          this.at += n;
          return;
        }
      }
      this.at += this.buf.write(s, this.at);
    } else {
      this.room(s.length);
      this.buf.set(s, this.at);
      this.at += s.length;
    }
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.at + n, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private more(): void {
    const cap = this.hasKey.length * 2;
    const grow = <T extends Uint8Array | Uint16Array | Int32Array | Uint32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.pos = grow(this.pos, 2 * cap + 1);
    this.hasKey = grow(this.hasKey, cap);
    this.keyHash = grow(this.keyHash, cap);
    this.headerIndex = grow(this.headerIndex, cap);
  }
}

/** Records into one buffer of their own. */
export function packRecords(records: readonly KafkaRecord[]): PackedRecords {
  let bytes = 64;
  for (const r of records) bytes += r.value.length + (r.key?.length ?? 0);
  const b = new PackedRecordsBuilder(records.length, bytes);
  for (const r of records) b.add(r);
  return b.build();
}

/** The records of a packed batch, each key and value a view of the one buffer (no copy). */
export function unpackRecords(
  b: PackedRecords,
  headersOf: (h: Record<string, string>) => object = (h) => h,
): KafkaRecord[] {
  const n = b.count;
  const out: KafkaRecord[] = new Array(n);
  const headers = b.headers.map(headersOf) as Record<string, string>[];
  for (let i = 0; i < n; i++) {
    const k = b.pos[2 * i]!;
    const v = b.pos[2 * i + 1]!;
    const value = Buffer.from(b.bytes, v, b.pos[2 * i + 2]! - v);
    const h = headers[b.headerIndex[i]!]!;
    out[i] =
      b.hasKey[i] === 1
        ? { key: Buffer.from(b.bytes, k, v - k), value, headers: h, keyHash: b.keyHash[i]! }
        : { key: null, value, headers: h };
  }
  return out;
}

const unpacked = new WeakMap<PackedRecords, readonly KafkaRecord[]>();

/**
 * A batch as records; for a packed one, the same array each time it is asked (a client knows a batch
 * that awaits its re-send by identity, `platformatic.ts`).
 */
export function recordsOf(b: KafkaBatch): readonly KafkaRecord[] {
  if (!isPacked(b)) return b;
  let r = unpacked.get(b);
  if (r === undefined) {
    r = unpackRecords(b);
    unpacked.set(b, r);
  }
  return r;
}
