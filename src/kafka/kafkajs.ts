import {
  CompressionTypes,
  Kafka,
  type KafkaConfig,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
  type RetryOptions,
  type SASLOptions,
} from "kafkajs";
import type { KafkaClient, KafkaClientOptions, KafkaTopicSpec } from "./client.js";
import type { KafkaConnection } from "./options.js";
import { type KafkaBatch, recordsOf } from "./packed.js";

// kafkajs ships gzip only; snappy, lz4 and zstd need codec packages registered at load, which we do not
// depend on, so the sink's `compression` option offers none|gzip.
const COMPRESSION = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP } as const;

/** A `KafkaClient` on kafkajs 2 (pure JavaScript). */
export function createKafkajsClient(options: KafkaClientOptions): KafkaClient {
  return new KafkajsClient(options);
}

class KafkajsClient implements KafkaClient {
  readonly maxInFlight: number;
  private readonly kafka: Kafka;
  private readonly producer: Producer;

  constructor(private readonly options: KafkaClientOptions) {
    // kafkajs's idempotent producer holds a per-broker lock for the whole produce request (its
    // eosManager), so a second request in flight gains nothing; worse, a failed request rolls its
    // sequence numbers back, and a request queued behind it would reuse them and be dropped by the broker
    // as a duplicate. Hence one send at a time when idempotent.
    this.maxInFlight = options.idempotent ? 1 : options.maxInFlight;
    this.kafka = new Kafka(kafkaConfig(options));
    this.producer = this.kafka.producer({
      idempotent: options.idempotent,
      maxInFlightRequests: this.maxInFlight,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: retryConfig(options),
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  missingTopics(topics: readonly string[]): Promise<string[]> {
    return missingTopics(this.kafka, retryConfig(this.options), topics);
  }

  async createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    const admin = this.kafka.admin({ retry: retryConfig(this.options) });
    await admin.connect();
    try {
      // kafkajs sends CreateTopics v3 with -1 as given; brokers since 2.4 (KIP-464) take it as their
      // default whatever the version. A topic that exists already is no error here (it resolves false).
      await admin.createTopics({
        waitForLeaders: true,
        timeout: this.options.requestTimeoutMs,
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
        })),
      });
    } finally {
      await admin.disconnect();
    }
  }

  async send(topic: string, batch: KafkaBatch): Promise<void> {
    await this.producer.send({
      topic,
      // kafkajs reads the records and does not keep them; our shape is its Message shape.
      messages: recordsOf(batch) as Message[],
      acks: this.options.acks,
      timeout: this.options.requestTimeoutMs,
      compression: COMPRESSION[this.options.compression],
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** Those of `topics` the cluster lacks, by an admin of `kafka` opened for the question. */
export async function missingTopics(
  kafka: Kafka,
  retry: RetryOptions,
  topics: readonly string[],
): Promise<string[]> {
  const admin = kafka.admin({ retry });
  await admin.connect();
  try {
    // Listing asks for every topic, which never auto-creates one (fetchTopicMetadata may).
    const existing = new Set(await admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function retryConfig(o: KafkaConnection & { idempotent?: boolean }): RetryOptions {
  // kafkajs refuses an idempotent producer without retries of its own.
  const retries = o.idempotent ? Math.max(1, o.retry.retries) : o.retry.retries;
  return { initialRetryTime: o.retry.initialMs, maxRetryTime: o.retry.maxMs, retries };
}

/** A kafkajs client config from the connection settings, security included. */
export function kafkaConfig(o: KafkaConnection & { idempotent?: boolean }): KafkaConfig {
  const config: KafkaConfig = {
    brokers: o.brokers,
    clientId: o.clientId,
    connectionTimeout: o.connectionTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    retry: retryConfig(o),
    // Errors reach the callers (the sink's hooks, the reader's verdict); kafkajs's logger would print.
    logLevel: logLevel.NOTHING,
  };
  return withSecurity(config, o);
}

/** Adds SASL and TLS to a kafkajs client config. */
function withSecurity(config: KafkaConfig, o: Pick<KafkaConnection, "sasl" | "tls">): KafkaConfig {
  if (o.sasl) config.sasl = { ...o.sasl } as SASLOptions;
  if (o.tls) {
    const { ca, cert, key, rejectUnauthorized } = o.tls;
    config.ssl = { rejectUnauthorized, ...(ca && { ca: [ca] }), ...(cert && { cert }), ...(key && { key }) };
  }
  return config;
}
