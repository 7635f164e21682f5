import { randomBytes } from "node:crypto";
import { ErrorCode, TwError } from "../errors.js";
// The client libraries, by path: this file is itself imported only when verify reads a topic.
import { KAFKA_CLIENTS } from "../kafka/clients.js";
import {
  describeKafkaError,
  fatalKafkaKind,
  type KafkaConsumer,
  type KafkaLibrary,
  type KafkaSasl,
  type KafkaTls,
  requireTopic,
  within,
} from "../kafka/index.js";

/** Where and how to read a topic. */
export interface KafkaStreamOptions {
  brokers: string[];
  topic: string;
  /** The client library, as the Kafka sink's `client`. */
  client: KafkaLibrary;
  /** From the earliest retained record, or from the end (what is produced after joining). */
  fromBeginning: boolean;
  /** Consumer group; a fresh random one when not given. Offsets are never committed. */
  groupId?: string;
  /** Bound of connecting and of finding the topic. */
  connectTimeoutMs: number;
  /** Bound of leaving the group and closing connections. */
  disconnectTimeoutMs: number;
  /** As the Kafka sink takes them. */
  sasl?: KafkaSasl;
  tls?: KafkaTls;
}

/** A topic being read; every value is handed to `onRecord` in partition order. */
export interface KafkaStream {
  /** Resolves when the consumer failed for good (broker gone past its retries); never resolves otherwise. */
  readonly failed: Promise<TwError>;
  /** Stops reading and disconnects, within `disconnectTimeoutMs`. Safe to call twice. */
  close(): Promise<void>;
}

function unavailable(o: KafkaStreamOptions, why: string, cause?: unknown): TwError {
  return new TwError(ErrorCode.SOURCE_UNAVAILABLE, `kafka ${o.brokers.join(",")}: ${why}`, { cause });
}

/** A connect failure as the CLI tells it: refused credentials or rights are the flags' fault (exit 2). */
function connectError(o: KafkaStreamOptions, err: unknown): TwError {
  if (err instanceof TwError) return err;
  const fatal = fatalKafkaKind(err);
  if (fatal === undefined) return unavailable(o, describeKafkaError(err), err);
  return new TwError(
    ErrorCode.CONFIG_INVALID,
    `kafka ${o.brokers.join(",")} refused the client (${fatal.kind}): ${describeKafkaError(err)}`,
    { cause: err },
  );
}

function openConsumer(o: KafkaStreamOptions): KafkaConsumer {
  return KAFKA_CLIENTS[o.client].consumer({
    brokers: o.brokers,
    clientId: "tracewalk-verify",
    connectionTimeoutMs: Math.min(o.connectTimeoutMs, 3000),
    requestTimeoutMs: o.connectTimeoutMs,
    retry: { initialMs: 200, maxMs: 2000, retries: 5 },
    topic: o.topic,
    fromBeginning: o.fromBeginning,
    groupId: o.groupId ?? `tracewalk-verify-${randomBytes(6).toString("hex")}`,
    ...(o.sasl && { sasl: o.sasl }),
    ...(o.tls && { tls: o.tls }),
  });
}

/**
 * Reads a topic with the consumer of the library `o.client` names. Connecting and finding the topic are
 * bounded by `connectTimeoutMs`: an unreachable broker is TW_SOURCE_UNAVAILABLE, a missing topic
 * TW_INPUT_INVALID.
 */
export async function openKafkaStream(
  o: KafkaStreamOptions,
  onRecord: (value: string, where: string) => void,
): Promise<KafkaStream> {
  const consumer = openConsumer(o);
  const stream = new ConsumerStream(consumer, o);
  const timedOut = () => unavailable(o, `no answer within ${o.connectTimeoutMs / 1000} s`);
  const where = { flag: "--topic", brokers: o.brokers, ...(o.sasl && { user: o.sasl.username }) };
  try {
    await within(requireTopic(consumer, o.topic, where), o.connectTimeoutMs, timedOut);
    await within(consumer.start(onRecord), o.connectTimeoutMs, timedOut);
  } catch (err) {
    await stream.close();
    throw connectError(o, err);
  }
  return stream;
}

class ConsumerStream implements KafkaStream {
  readonly failed: Promise<TwError>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly o: KafkaStreamOptions,
  ) {
    this.failed = consumer.failed.then((err) => connectError(o, err));
  }

  close(): Promise<void> {
    this.closing ??= within(this.consumer.close(), this.o.disconnectTimeoutMs, () =>
      unavailable(this.o, `disconnect took over ${this.o.disconnectTimeoutMs / 1000} s`),
    ).catch(() => {
      // The verdict is already known; a slow goodbye to the broker must not change it.
    });
    return this.closing;
  }
}
