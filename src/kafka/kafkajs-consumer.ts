import { type Consumer, Kafka } from "kafkajs";
import type { KafkaConsumer, KafkaConsumerOptions, OnRecord } from "./client.js";
import { kafkaConfig, missingTopics } from "./kafkajs.js";

/** A `KafkaConsumer` on kafkajs 2. */
export function createKafkajsConsumer(options: KafkaConsumerOptions): KafkaConsumer {
  return new KafkajsConsumer(options);
}

class KafkajsConsumer implements KafkaConsumer {
  readonly failed: Promise<unknown>;
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KafkaConsumerOptions) {
    this.kafka = new Kafka(kafkaConfig(options));
    this.consumer = this.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: 250,
      retry: { retries: 10 },
    });
    this.failed = new Promise((resolve) => {
      // kafkajs restarts the consumer itself after a retriable crash; only the last crash stops reading.
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve(payload.error);
      });
    });
  }

  missingTopics(topics: readonly string[]): Promise<string[]> {
    return missingTopics(this.kafka, { retries: 2 }, topics);
  }

  async start(onRecord: OnRecord): Promise<void> {
    const { topic, fromBeginning } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, isRunning }) => {
        for (const m of batch.messages) {
          if (!isRunning()) return;
          onRecord(m.value?.toString("utf8") ?? "", `${batch.topic}/${batch.partition}@${m.offset}`);
        }
      },
    });
  }

  close(): Promise<void> {
    this.closing ??= this.consumer.disconnect();
    return this.closing;
  }
}
