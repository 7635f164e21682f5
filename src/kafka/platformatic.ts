import type { KafkaClient, KafkaClientOptions, KafkaTopicSpec } from "./client.js";
import type { KafkaConnection, KafkaSasl } from "./options.js";
import { type KafkaBatch, recordsOf } from "./packed.js";
import {
  Admin,
  type BaseOptions,
  compatibilityPartitioner,
  GenericError,
  type MessageToProduce,
  type Producer,
  type ProducerOptions,
  type SASLOptions,
} from "./platformatic-lib.js";
import { EncodingProducer } from "./platformatic-produce.js";

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;
type Headers = Map<Buffer, Buffer>;

const SASL_MECHANISM = {
  plain: "PLAIN",
  "scram-sha-256": "SCRAM-SHA-256",
  "scram-sha-512": "SCRAM-SHA-512",
} as const;

/**
 * The broker keeps a partition's sequence number in an int32; @platformatic/kafka neither wraps it nor
 * rotates the producer, so past 2^31 records to one partition every produce request would throw. Before
 * any partition can get there (the total bounds each partition's count), a fresh producer (new id,
 * sequences from 0) takes over; the margin covers sends that pass while a rotation has to wait.
 */
const MAX_RECORDS_PER_PRODUCER = 2 ** 31 - 2 ** 24;

/**
 * A `KafkaClient` on @platformatic/kafka (pure JavaScript, Buffers throughout). `maxRecordsPerProducer`
 * lowers the rotation point, for tests.
 */
export function createPlatformaticClient(
  options: KafkaClientOptions,
  maxRecordsPerProducer = MAX_RECORDS_PER_PRODUCER,
): KafkaClient {
  return new PlatformaticClient(options, maxRecordsPerProducer);
}

class PlatformaticClient implements KafkaClient {
  readonly maxInFlight: number;
  private producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  /** Records sent by the current producer: bounds every partition's sequence number. */
  private sentByProducer = 0;
  private sending = 0;
  /** Batches whose last send failed: the sink re-sends them as they are, and they need the same producer. */
  private readonly failed = new Set<KafkaBatch>();
  private readonly headers = new WeakMap<object, Headers>();
  private closed = false;

  constructor(
    private readonly options: KafkaClientOptions,
    private readonly maxRecordsPerProducer: number,
  ) {
    // The idempotent producer reads a partition's next sequence number when it encodes a request and
    // advances it when the response arrives, so a second request to that partition in flight would reuse
    // the numbers and the broker would reject it (or drop it as a duplicate). The library forces one
    // request in flight per connection; one `send` at a time here keeps the sequences right.
    this.maxInFlight = options.idempotent ? 1 : options.maxInFlight;
    this.producer = this.newProducer();
  }

  async connect(): Promise<void> {
    await this.producer.connectToBrokers(null);
    // The producer id now, not on the first send: a broker refusing it is a connect failure.
    if (this.options.idempotent) await this.producer.initIdempotentProducer({});
  }

  missingTopics(topics: readonly string[]): Promise<string[]> {
    return missingTopics(this.options, topics);
  }

  async createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    const admin = new Admin(baseOptions(this.options, "admin"));
    try {
      for (const t of topics) {
        // -1 (the broker's default) is what the library sends when these are absent (CreateTopics v4+).
        await admin
          .createTopics({ topics: [t.topic], partitions: t.partitions, replicas: t.replicationFactor })
          .catch((err: unknown) => {
            // Another shard created it in the meantime.
            if (!isProtocolError(err, "TOPIC_ALREADY_EXISTS")) throw err;
          });
      }
      await this.waitForLeaders(
        admin,
        topics.map((t) => t.topic),
      );
    } finally {
      await admin.close();
    }
  }

  async send(topic: string, batch: KafkaBatch): Promise<void> {
    const records = recordsOf(batch);
    // Without idempotence there are no sequence numbers to wear out.
    if (this.options.idempotent && this.sending === 0 && this.failed.size === 0) {
      await this.rotateIfWorn(records.length);
    }
    const messages: Message[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      messages[i] = {
        topic,
        key: r.key === null ? undefined : typeof r.key === "string" ? Buffer.from(r.key) : r.key,
        value: typeof r.value === "string" ? Buffer.from(r.value) : r.value,
        headers: this.headersOf(r.headers),
        // Given, the library takes it modulo the partition count, as its `compatibilityPartitioner`
        // would have (the same partition), and skips its BigInt murmur2; absent, it runs that.
        partition: r.key === null ? undefined : r.keyHash,
      };
    }
    this.sending++;
    try {
      await this.producer.send({ messages });
      this.failed.delete(batch);
      this.sentByProducer += records.length;
    } catch (err) {
      this.failed.add(batch);
      throw err;
    } finally {
      this.sending--;
    }
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeProducer(this.producer);
  }

  private newProducer(): Producer<Buffer, Buffer, Buffer, Buffer> {
    const o = this.options;
    const options: ProducerOptions<Buffer, Buffer, Buffer, Buffer> = {
      ...baseOptions(o, "producer"),
      maxInflights: this.maxInFlight,
      idempotent: o.idempotent,
      acks: o.acks,
      compression: o.compression,
      // Java's partitioner (murmur2 & 0x7fffffff), as kafkajs's default: a session lands in the same
      // partition whichever client produced it. The library's own default differs (murmur2 >>> 0).
      partitioner: compatibilityPartitioner,
    };
    // Our record-batch encoder, byte-identical to the library's, about half of the producer's CPU less.
    return new EncodingProducer(options);
  }

  /** Replaces the producer before a partition's sequence number could pass int32; only with nothing in flight or owed. */
  private async rotateIfWorn(next: number): Promise<void> {
    if (this.sentByProducer + next <= this.maxRecordsPerProducer) return;
    const old = this.producer;
    this.producer = this.newProducer();
    this.sentByProducer = 0;
    await closeProducer(old).catch(() => {});
    await this.connect();
  }

  /** Headers as the library wants them (a Map of Buffers), built once per distinct headers object. */
  private headersOf(h: Readonly<Record<string, string>>): Headers {
    let map = this.headers.get(h);
    if (map === undefined) {
      map = new Map(Object.entries(h).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
      this.headers.set(h, map);
    }
    return map;
  }

  private async waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (;;) {
      const meta = await admin.metadata({ topics, forceUpdate: true }).catch(() => undefined);
      const ready = topics.every((name) => {
        const t = meta?.topics.get(name);
        return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`kafka: no leaders for ${topics.join(", ")}`);
      await new Promise((wake) => setTimeout(wake, 100));
    }
  }
}

function isProtocolError(err: unknown, apiId: string): boolean {
  return (
    err instanceof Error &&
    GenericError.isGenericError(err) &&
    (err as GenericError).findBy("apiId", apiId) !== null
  );
}

/** Closes even with a send in flight (`force`); the typings give the promise form only without it. */
function closeProducer(p: Producer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  return new Promise((ok, fail) => p.close(true, (err) => (err ? fail(err) : ok())));
}

/** Those of `topics` the cluster lacks, by an admin opened for the question. */
export async function missingTopics(o: KafkaConnection, topics: readonly string[]): Promise<string[]> {
  const admin = new Admin(baseOptions(o, "admin"));
  try {
    // Listing asks for every topic, which never auto-creates one (a metadata request naming it may).
    const existing = new Set(await admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  } finally {
    await admin.close().catch(() => {});
  }
}

/** The library's client options from the connection settings, security included; `role` ends the client id. */
export function baseOptions(o: KafkaConnection & { idempotent?: boolean }, role: string): BaseOptions {
  const options: BaseOptions = {
    clientId: `${o.clientId}-${role}`,
    bootstrapBrokers: o.brokers,
    connectTimeout: o.connectionTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    // The broker-side wait of a produce (acks all) or create-topics request.
    timeout: o.requestTimeoutMs,
    // The idempotent producer turns 0 or 1 into "retry forever", which would hide a lost broker from the
    // sink (readiness, error hooks); `false` means none, and 1 becomes 2.
    retries: o.retry.retries === 0 ? false : o.idempotent ? Math.max(2, o.retry.retries) : o.retry.retries,
    retryDelay: (_client, _op, attempt) =>
      Math.min(o.retry.maxMs, o.retry.initialMs * 2 ** Math.min(attempt - 1, 30)),
  };
  if (o.sasl) options.sasl = saslOptions(o.sasl);
  if (o.tls) {
    const { ca, cert, key, rejectUnauthorized } = o.tls;
    options.tls = { rejectUnauthorized, ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
    // SNI with the broker's host name, which hosted Kafka (one address, many brokers) needs.
    options.tlsServerName = true;
  }
  return options;
}

function saslOptions(s: KafkaSasl): SASLOptions {
  return { mechanism: SASL_MECHANISM[s.mechanism], username: s.username, password: s.password };
}
