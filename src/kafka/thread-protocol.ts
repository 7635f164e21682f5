/**
 * What the sink's thread and the producer thread say to each other (`threaded.ts`, `producer-worker.ts`):
 * requests with an id, one reply per request, records as bytes in one transferred buffer per batch, and
 * errors as their tree of the fields `errors.ts` classifies and describes them by.
 */
import { ErrorCode, TwError } from "../errors.js";
import type { KafkaClientOptions, KafkaRecord, KafkaTopicSpec } from "./client.js";
import { keyPartitionHash } from "./murmur2.js";
import type { KafkaLibrary } from "./options.js";

/** What the producer thread is started with. */
export interface ProducerThreadData {
  library: KafkaLibrary;
  options: KafkaClientOptions;
  /** A module exporting `createClient(options)`, loaded instead of the library: a fake, for tests. */
  module?: string;
}

/**
 * A batch's records in bytes: record i's key is `bytes[pos[2i], pos[2i+1])` (null when `hasKey[i]` is 0)
 * and its value `bytes[pos[2i+1], pos[2i+2])`; its headers are `headers[headerIndex[i]]`; `keyHash[i]` is
 * its key's `keyPartitionHash` (0 without a key).
 */
export interface EncodedBatch {
  /** The sink's batch, the same number on a re-send: the producer thread keeps a failed batch for it. */
  batch: number;
  topic: string;
  bytes: ArrayBuffer;
  pos: Uint32Array;
  hasKey: Uint8Array;
  keyHash: Int32Array;
  headers: Record<string, string>[];
  headerIndex: Uint16Array;
}

export type Request =
  | { id: number; op: "connect" }
  | { id: number; op: "missingTopics"; topics: string[] }
  | { id: number; op: "createTopics"; topics: KafkaTopicSpec[] }
  | ({ id: number; op: "send" } & EncodedBatch)
  | { id: number; op: "disconnect" };

export type Reply =
  | { id: number; ok: true; value?: unknown; maxInFlight: number }
  | { id: number; ok: false; error: ErrorTree };

/** An error as far as `errors.ts` reads it; `twCode` rebuilds a TwError. */
export interface ErrorTree {
  name: string;
  message: string;
  code?: unknown;
  apiId?: unknown;
  type?: unknown;
  broker?: unknown;
  serverErrorMessage?: unknown;
  twCode?: ErrorCode;
  errors?: ErrorTree[];
  cause?: ErrorTree;
}

const FIELDS = ["code", "apiId", "type", "broker", "serverErrorMessage"] as const;
/** Plain values only: structured cloning refuses functions and would copy big objects for nothing. */
const isPlain = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/** The error's tree, at most `depth` levels and 50 nodes (a library's aggregate of retries can be long). */
export function errorToTree(err: unknown, depth = 8, budget = { nodes: 50 }): ErrorTree {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  budget.nodes--;
  const e = err as Error & Record<string, unknown>;
  const tree: ErrorTree = { name: e.name, message: e.message };
  for (const f of FIELDS) if (isPlain(e[f])) tree[f] = e[f];
  if (err instanceof TwError) tree.twCode = err.code;
  if (depth > 0 && Array.isArray(e.errors)) {
    tree.errors = e.errors
      .filter((c): c is Error => c instanceof Error && budget.nodes-- > 0)
      .map((c) => errorToTree(c, depth - 1, budget));
  }
  if (depth > 0 && e.cause instanceof Error && budget.nodes > 0) {
    tree.cause = errorToTree(e.cause, depth - 1, budget);
  }
  return tree;
}

/** The error back, with the fields, nesting and class (`TwError`) that its classification reads. */
export function treeToError(t: ErrorTree): Error {
  const cause = t.cause === undefined ? undefined : treeToError(t.cause);
  const err =
    t.twCode === undefined
      ? new Error(t.message, cause === undefined ? undefined : { cause })
      : new TwError(t.twCode, t.message, cause === undefined ? {} : { cause });
  const e = err as Error & Record<string, unknown>;
  e.name = t.name;
  for (const f of FIELDS) if (t[f] !== undefined) e[f] = t[f];
  if (t.errors !== undefined) e.errors = t.errors.map(treeToError);
  return err;
}

/** The error a request gets when the producer thread itself failed (a bug, not the cluster's doing). */
export function threadFailed(why: string): TwError {
  return new TwError(ErrorCode.SINK_FAILED, `kafka: the producer thread failed: ${why}`);
}

/** Records into one buffer of their own (transferable), keys and values back to back. */
export function encodeBatch(batch: number, topic: string, records: readonly KafkaRecord[]): EncodedBatch {
  const n = records.length;
  let size = 64;
  for (let i = 0; i < n; i++) size += records[i]!.value.length + (records[i]!.key?.length ?? 0);
  let buf: Buffer = Buffer.allocUnsafeSlow(size);
  const pos = new Uint32Array(2 * n + 1);
  const hasKey = new Uint8Array(n);
  const keyHash = new Int32Array(n);
  const headerIndex = new Uint16Array(n);
  const headers: Record<string, string>[] = [];
  const seen = new Map<object, number>();
  let at = 0;
  const put = (s: string | Buffer) => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact length is counted only near the end.
    const need = s.length * 3;
    if (at + need > buf.length) {
      const exact = typeof s === "string" ? Buffer.byteLength(s) : s.length;
      if (at + exact > buf.length) buf = grow(buf, at, at + exact);
    }
    at += typeof s === "string" ? buf.write(s, at) : s.copy(buf, at);
  };
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    pos[2 * i] = at;
    if (r.key !== null) {
      hasKey[i] = 1;
      put(r.key);
      // Hashed here, where the bytes were just written: this thread waits on the producer thread.
      keyHash[i] = keyPartitionHash(buf, pos[2 * i]!, at);
    }
    pos[2 * i + 1] = at;
    put(r.value);
    let h = seen.get(r.headers);
    if (h === undefined) {
      h = headers.push({ ...r.headers }) - 1;
      seen.set(r.headers, h);
    }
    headerIndex[i] = h;
  }
  pos[2 * n] = at;
  // The whole allocation goes (transferred, not copied); the tail past `at` is unused.
  return { batch, topic, bytes: buf.buffer as ArrayBuffer, pos, hasKey, keyHash, headers, headerIndex };
}

function grow(buf: Buffer, used: number, atLeast: number): Buffer {
  const next = Buffer.allocUnsafeSlow(Math.max(atLeast, buf.length * 2));
  buf.copy(next, 0, 0, used);
  return next;
}

/** The records of an encoded batch, each key and value a view of the one buffer (no copy). */
export function decodeBatch(
  b: EncodedBatch,
  headersOf: (h: Record<string, string>) => object,
): KafkaRecord[] {
  const n = b.hasKey.length;
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
