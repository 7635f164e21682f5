import { randomBytes } from "node:crypto";
import { type Consumer, Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { ErrorCode, TwError } from "../errors.js";
import type { KafkaClientOptions } from "../sinks/kafka-client.js";
import { describeKafkaError, fatalKafkaKind } from "../sinks/kafka-errors.js";
import { withSecurity } from "../sinks/kafka-kafkajs.js";

/** Where and how to read a topic. */
export interface KafkaStreamOptions {
  brokers: string[];
  topic: string;
  /** From the earliest retained record, or from the end (what is produced after joining). */
  fromBeginning: boolean;
  /** Consumer group; a fresh random one when not given. Offsets are never committed. */
  groupId?: string;
  /** Bound of connecting and of finding the topic. */
  connectTimeoutMs: number;
  /** Bound of leaving the group and closing connections. */
  disconnectTimeoutMs: number;
  /** As the Kafka sink takes them. */
  sasl?: KafkaClientOptions["sasl"];
  tls?: KafkaClientOptions["tls"];
}

/** A topic being read; every value is handed to `onRecord` in partition order. */
export interface KafkaStream {
  /** Resolves when the consumer failed for good (broker gone past its retries); never resolves otherwise. */
  readonly failed: Promise<TwError>;
  /** Stops reading and disconnects, within `disconnectTimeoutMs`. Safe to call twice. */
  close(): Promise<void>;
}

/** Rejects with `error()` if `work` takes longer than `ms`; clears its timer either way. */
export async function within<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
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

function kafkaConfig(o: KafkaStreamOptions): KafkaConfig {
  const config: KafkaConfig = {
    brokers: o.brokers,
    clientId: "tracewalk-verify",
    connectionTimeout: Math.min(o.connectTimeoutMs, 3000),
    requestTimeout: o.connectTimeoutMs,
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.NOTHING,
  };
  return withSecurity(config, o);
}

/** Checks that the topic exists (listing topics never auto-creates one); TW_INPUT_INVALID when it does not. */
async function checkTopic(kafka: Kafka, o: KafkaStreamOptions): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 2 } });
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(o.topic)) {
      // Under an authorizer, a topic the client may not describe is left out of the list.
      const hidden = o.sasl ? ` (or user "${o.sasl.username}" may not describe it)` : "";
      throw new TwError(
        ErrorCode.INPUT_INVALID,
        `--topic: topic "${o.topic}" does not exist on ${o.brokers.join(",")}${hidden}`,
      );
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Reads a topic with a kafkajs consumer. Connecting and finding the topic are bounded by
 * `connectTimeoutMs`: an unreachable broker is TW_SOURCE_UNAVAILABLE, a missing topic TW_INPUT_INVALID.
 */
export async function openKafkaStream(
  o: KafkaStreamOptions,
  onRecord: (value: string, where: string) => void,
): Promise<KafkaStream> {
  const kafka = new Kafka(kafkaConfig(o));
  const timedOut = () => unavailable(o, `no answer within ${o.connectTimeoutMs / 1000} s`);
  try {
    await within(checkTopic(kafka, o), o.connectTimeoutMs, timedOut);
  } catch (err) {
    throw connectError(o, err);
  }
  const groupId = o.groupId ?? `tracewalk-verify-${randomBytes(6).toString("hex")}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, retry: { retries: 10 } });
  const stream = new ConsumerStream(consumer, o);
  try {
    await within(start(consumer, o, onRecord), o.connectTimeoutMs, timedOut);
  } catch (err) {
    await stream.close();
    throw connectError(o, err);
  }
  return stream;
}

async function start(consumer: Consumer, o: KafkaStreamOptions, onRecord: (v: string, w: string) => void) {
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: o.fromBeginning });
  // Verify only reads: committing would move a group that a team's own consumers may share.
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, isRunning }) => {
      for (const m of batch.messages) {
        if (!isRunning()) return;
        onRecord(m.value?.toString("utf8") ?? "", `${batch.topic}/${batch.partition}@${m.offset}`);
      }
    },
  });
}

class ConsumerStream implements KafkaStream {
  readonly failed: Promise<TwError>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly o: KafkaStreamOptions,
  ) {
    this.failed = new Promise((resolve) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve(connectError(o, payload.error));
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= within(this.consumer.disconnect(), this.o.disconnectTimeoutMs, () =>
      unavailable(this.o, `disconnect took over ${this.o.disconnectTimeoutMs / 1000} s`),
    ).catch(() => {
      // The verdict is already known; a slow goodbye to the broker must not change it.
    });
    return this.closing;
  }
}
