import type { KafkaConnection } from "./options.js";
import type { KafkaBatch } from "./packed.js";

/**
 * One Kafka record as a client sends it: already keyed and serialized; as strings (the sink's labels) or
 * as views of a packed batch's bytes (its events, `packed.ts`).
 */
export interface KafkaRecord {
  key: string | Buffer | null;
  value: string | Buffer;
  headers: Readonly<Record<string, string>>;
  /**
   * The key's partition before the modulo by the topic's partition count, as Java's default partitioner
   * places it (`keyPartitionHash` in `murmur2.ts`), when already computed (`thread-protocol.ts`); a client
   * may place the record by it instead of hashing the key again. Absent for a null key.
   */
  keyHash?: number;
}

/** A topic to create; -1 for the partitions or the replication factor means the broker's default. */
export interface KafkaTopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

/** Connection and producer settings a client is built from (resolved from the sink's options). */
export interface KafkaClientOptions extends KafkaConnection {
  /** -1 = all in-sync replicas, 1 = the leader, 0 = no acknowledgement. */
  acks: -1 | 0 | 1;
  idempotent: boolean;
  compression: "none" | "gzip";
  /** Upper bound of produce requests in flight the sink would like. */
  maxInFlight: number;
}

/** Asks the cluster which topics it lacks, without creating any, whatever the broker's auto-creation. */
export interface TopicLister {
  missingTopics(topics: readonly string[]): Promise<string[]>;
}

/**
 * The few things the Kafka sink needs from a Kafka client library; one file per library implements it
 * (`kafkajs.ts`, `platformatic.ts`).
 */
export interface KafkaClient extends TopicLister {
  /**
   * How many `send`s the sink may have in flight at once without losing per-partition order or the
   * idempotent producer's de-duplication on retry (at most `maxInFlight`).
   */
  readonly maxInFlight: number;
  /** Connects the producer; may be called again after it rejected, never after it resolved. */
  connect(): Promise<void>;
  /** Creates the topics (one created meanwhile by someone else is fine) and waits for their leaders. */
  createTopics(topics: readonly KafkaTopicSpec[]): Promise<void>;
  /**
   * Produces the records in one request per partition leader; resolves when all are acknowledged.
   * When it rejects, none or some of the records may be written; re-sending the same records is safe
   * with an idempotent producer (the broker drops the copies by producer id and sequence). A re-send is
   * the same batch object (packed ones included: `recordsOf` gives the same records for it each time).
   */
  send(topic: string, records: KafkaBatch): Promise<void>;
  /** Closes connections; in-flight sends may fail. Safe to call twice. */
  disconnect(): Promise<void>;
}

/** What a consumer reads: one topic, never committing offsets (a reader must not move a shared group). */
export interface KafkaConsumerOptions extends KafkaConnection {
  topic: string;
  /** From the earliest retained record, or from the end (what is produced after joining). */
  fromBeginning: boolean;
  groupId: string;
}

/** Hands every record's value (UTF-8) and where it came from (`topic/partition@offset`), in partition order. */
export type OnRecord = (value: string, where: string) => void;

/** The few things the live reader needs from a Kafka client library; one file per library implements it. */
export interface KafkaConsumer extends TopicLister {
  /** Joins the group and starts reading; resolves once reading runs (records may come before or after). */
  start(onRecord: OnRecord): Promise<void>;
  /** Resolves with the error that stopped reading for good; never resolves otherwise. */
  readonly failed: Promise<unknown>;
  /** Stops reading, leaves the group and closes connections. Safe to call twice, and before `start`. */
  close(): Promise<void>;
}
