/** One Kafka record as the Kafka sink hands it to a client: already keyed and serialized. */
export interface KafkaRecord {
  key: string | null;
  value: string;
  headers: Readonly<Record<string, string>>;
}

/** A topic to create; -1 for the partitions or the replication factor means the broker's default. */
export interface KafkaTopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

/** Connection and producer settings a client is built from (resolved from the sink's options). */
export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** -1 = all in-sync replicas, 1 = the leader, 0 = no acknowledgement. */
  acks: -1 | 0 | 1;
  idempotent: boolean;
  compression: "none" | "gzip";
  /** Upper bound of produce requests in flight the sink would like. */
  maxInFlight: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** The client's own retries within one `send`; the sink retries failed sends on top, forever. */
  retry: { initialMs: number; maxMs: number; retries: number };
  sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
}

/**
 * The few things the Kafka sink needs from a Kafka client library; one file per library implements it
 * (kafkajs: `kafka-kafkajs.ts`).
 */
export interface KafkaClient {
  /**
   * How many `send`s the sink may have in flight at once without losing per-partition order or the
   * idempotent producer's de-duplication on retry (at most `maxInFlight`).
   */
  readonly maxInFlight: number;
  /** Connects the producer; may be called again after it rejected, never after it resolved. */
  connect(): Promise<void>;
  /** Those of `topics` the cluster does not have (asked without creating any, whatever the broker's auto-creation). */
  missingTopics(topics: readonly string[]): Promise<string[]>;
  /** Creates the topics (one created meanwhile by someone else is fine) and waits for their leaders. */
  createTopics(topics: readonly KafkaTopicSpec[]): Promise<void>;
  /**
   * Produces the records in one request per partition leader; resolves when all are acknowledged.
   * When it rejects, none or some of the records may be written; re-sending the same records is safe
   * with an idempotent producer (the broker drops the copies by producer id and sequence).
   */
  send(topic: string, records: readonly KafkaRecord[]): Promise<void>;
  /** Closes connections; in-flight sends may fail. Safe to call twice. */
  disconnect(): Promise<void>;
}
