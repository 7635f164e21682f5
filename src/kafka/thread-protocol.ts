/**
 * What the sink's thread and the producer thread say to each other (`threaded.ts`, `producer-worker.ts`):
 * requests with an id, one reply per request, records as bytes in one transferred buffer per batch (`packed.ts`), and
 * errors as their tree of the fields `errors.ts` classifies and describes them by.
 */
import { ErrorCode, TwError } from "../errors.js";
import type { KafkaClientOptions, KafkaTopicSpec } from "./client.js";
import type { KafkaLibrary } from "./options.js";
import type { PackedRecords } from "./packed.js";

/** What the producer thread is started with. */
export interface ProducerThreadData {
  library: KafkaLibrary;
  options: KafkaClientOptions;
  /** A module exporting `createClient(options)`, loaded instead of the library: a fake, for tests. */
  module?: string;
}

/**
 * A send: the sink's batch number (the same on a re-send) and its records, transferred with the first try
 * only. The producer thread keeps a failed batch's records for its re-send, which comes without them.
 */
export interface SendRequest {
  batch: number;
  topic: string;
  packed?: PackedRecords;
}

export type Request =
  | { id: number; op: "connect" }
  | { id: number; op: "missingTopics"; topics: string[] }
  | { id: number; op: "createTopics"; topics: KafkaTopicSpec[] }
  | ({ id: number; op: "send" } & SendRequest)
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
