/**
 * Kafka errors of both client libraries, sorted into what a retry can fix and what it cannot, and told in
 * one line. kafkajs names a broker's error in `.type` (KafkaJSProtocolError) and wraps others in `.cause`
 * (KafkaJSNumberOfRetriesExceeded) or `.errors` (KafkaJSAggregateError); @platformatic/kafka names it in
 * `.apiId` (ProtocolError) and nests them in `.errors` (MultipleErrors, ResponseError) and `.cause`. The
 * library's own retriable flag is not used: kafkajs marks "retries exhausted on a refused connection" as
 * non-retriable, which is exactly what the sink retries with its own backoff.
 */

import { ErrorCode, TwError } from "../errors.js";

/** Why a fatal Kafka error cannot pass by retrying; `config` ones are fixed in tracewalk's config. */
export type KafkaFatalKind =
  | "authorization"
  | "authentication"
  | "too-large"
  | "invalid-topic"
  | "config"
  | "tls";

/** Kafka protocol error names (the same in both libraries) that no retry can fix, by kind. */
const FATAL_TYPES: Readonly<Record<string, KafkaFatalKind>> = {
  TOPIC_AUTHORIZATION_FAILED: "authorization",
  CLUSTER_AUTHORIZATION_FAILED: "authorization",
  GROUP_AUTHORIZATION_FAILED: "authorization",
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "authorization",
  SASL_AUTHENTICATION_FAILED: "authentication",
  UNSUPPORTED_SASL_MECHANISM: "authentication",
  ILLEGAL_SASL_STATE: "authentication",
  MESSAGE_TOO_LARGE: "too-large",
  RECORD_LIST_TOO_LARGE: "too-large",
  INVALID_TOPIC_EXCEPTION: "invalid-topic",
  INVALID_PARTITIONS: "config",
  INVALID_REPLICATION_FACTOR: "config",
  INVALID_REPLICA_ASSIGNMENT: "config",
  INVALID_CONFIG: "config",
  INVALID_REQUEST: "config",
  INVALID_REQUIRED_ACKS: "config",
  INVALID_RECORD: "config",
  POLICY_VIOLATION: "config",
  UNSUPPORTED_VERSION: "config",
  UNSUPPORTED_COMPRESSION_TYPE: "config",
  UNSUPPORTED_FOR_MESSAGE_FORMAT: "config",
};

/** Error classes (by `name` or `code`) that carry no protocol name but cannot pass either. */
const FATAL_CLASSES: Readonly<Record<string, KafkaFatalKind>> = {
  KafkaJSSASLAuthenticationError: "authentication",
  PLT_KFK_AUTHENTICATION: "authentication",
};

/**
 * Node's codes for a broker certificate the client does not accept (unknown CA, wrong name, expired):
 * the same certificate comes back on every retry, so it is the config's to fix (`tls.ca`).
 */
const TLS_CERT_CODE =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(_LOCALLY)?))$/;

type Node = Error & {
  type?: unknown;
  apiId?: unknown;
  code?: unknown;
  broker?: unknown;
  serverErrorMessage?: unknown;
  errors?: unknown;
};

/** The nested errors of one error: aggregates' `errors` and the `cause`. */
function children(e: Node): Node[] {
  const out: Node[] = [];
  if (Array.isArray(e.errors)) for (const c of e.errors) if (c instanceof Error) out.push(c);
  if (e.cause instanceof Error && !out.includes(e.cause as Node)) out.push(e.cause as Node);
  return out;
}

/** Every error in the tree under `err`, depth first, each once (cycles are cut). */
function walk(err: unknown, seen = new Set<unknown>(), out: Node[] = []): Node[] {
  if (!(err instanceof Error) || seen.has(err) || seen.size > 200) return out;
  seen.add(err);
  out.push(err);
  for (const c of children(err)) walk(c, seen, out);
  return out;
}

/** The Kafka protocol error name an error carries, e.g. `MESSAGE_TOO_LARGE`, if any. */
function protocolName(e: Node): string | undefined {
  if (typeof e.apiId === "string") return e.apiId;
  if (typeof e.type === "string" && /^[A-Z_]+$/.test(e.type)) return e.type;
  return undefined;
}

/** Why no retry can fix `err` (the first fatal error found anywhere in it), or undefined: retriable. */
export function fatalKafkaKind(err: unknown): { kind: KafkaFatalKind; name: string } | undefined {
  for (const e of walk(err)) {
    const name = protocolName(e);
    if (name !== undefined && FATAL_TYPES[name] !== undefined) return { kind: FATAL_TYPES[name], name };
    const byClass = FATAL_CLASSES[e.name] ?? (typeof e.code === "string" ? FATAL_CLASSES[e.code] : undefined);
    if (byClass !== undefined) return { kind: byClass, name: e.name };
    if (typeof e.code === "string" && TLS_CERT_CODE.test(e.code)) return { kind: "tls", name: e.code };
  }
  return undefined;
}

/** True when a retry may fix `err`: the broker is away, a leader moves, a request timed out, … */
export function isRetriableKafkaError(err: unknown): boolean {
  return fatalKafkaKind(err) === undefined;
}

const MAX_LENGTH = 600;

/**
 * One line telling an error and what caused it, nested errors included and each distinct one once, e.g.
 * "metadata failed 6 times: Cannot connect to any broker: Connection to 127.0.0.1:1 failed: connect
 * ECONNREFUSED 127.0.0.1:1". Protocol errors show their name; a broker's own message is added.
 */
export function describeKafkaError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const text = describeNode(err, []);
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

/** `path`: the errors above this one, to cut a cause that loops back (and absurd depths). */
function describeNode(e: Node, path: readonly Node[]): string {
  let head = e.message.trim().replace(/\.$/, "") || e.name;
  const name = protocolName(e);
  if (name !== undefined && !head.includes(name)) head += ` (${name})`;
  const server = e.serverErrorMessage;
  if (typeof server === "string" && server && !head.includes(server)) head += `: ${server}`;
  if (typeof e.broker === "string" && e.broker && !head.includes(e.broker)) head += ` (broker ${e.broker})`;
  const parts: string[] = [];
  const below = [...path, e];
  for (const c of children(e)) {
    if (below.includes(c) || below.length > 8) continue;
    const text = describeNode(c, below);
    // The same cause repeated (one per retry, one per broker) is told once.
    if (!parts.includes(text) && !head.includes(text)) parts.push(text);
  }
  if (parts.length === 0) return head;
  return `${head}: ${parts.length === 1 ? parts[0] : parts.map((p) => `[${p}]`).join("; ")}`;
}

/** The fatal error a connect failure means (e.g. authentication refused), or undefined: retry. */
export function fatalConnectError(err: unknown, brokers: readonly string[]): TwError | undefined {
  const fatal = fatalKafkaKind(err);
  if (fatal === undefined) return undefined;
  if (fatal.kind === "tls") {
    return new TwError(
      ErrorCode.CONFIG_INVALID,
      `kafka: TLS to ${brokers.join(",")} failed: the broker's certificate was not accepted (${fatal.name}); check tls.ca (the CA that signed it) and the broker's name in it: ${describeKafkaError(err)}`,
      { cause: err },
    );
  }
  return new TwError(
    ErrorCode.CONFIG_INVALID,
    `kafka: ${brokers.join(",")} refused the client (${fatal.kind}): ${describeKafkaError(err)}`,
    { cause: err },
  );
}

/**
 * The fatal error a send failure means, or undefined: retry. A record or batch too large for the topic is
 * a data-versus-limit failure found mid-run (TW_SINK_FAILED, exit 1); the rest are the config's, exit 2.
 */
export function fatalSendError(err: unknown, topic: string): TwError | undefined {
  const fatal = fatalKafkaKind(err);
  if (fatal === undefined) return undefined;
  const why = describeKafkaError(err);
  if (fatal.kind === "too-large") {
    return new TwError(
      ErrorCode.SINK_FAILED,
      `kafka: topic "${topic}" refused a batch as too large: ${why}; lower batch_bytes below the topic's max.message.bytes (and the broker's message.max.bytes)`,
      { cause: err },
    );
  }
  return new TwError(
    ErrorCode.CONFIG_INVALID,
    `kafka: topic "${topic}" refused the records (${fatal.kind}): ${why}`,
    { cause: err },
  );
}
