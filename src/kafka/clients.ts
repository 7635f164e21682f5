import type { KafkaClient, KafkaClientOptions, KafkaConsumer, KafkaConsumerOptions } from "./client.js";
import { createKafkajsClient } from "./kafkajs.js";
import { createKafkajsConsumer } from "./kafkajs-consumer.js";
import type { KafkaLibrary } from "./options.js";
import { createPlatformaticClient } from "./platformatic.js";
import { createPlatformaticConsumer } from "./platformatic-consumer.js";

/** Builds a producer client from its options. */
export type KafkaClientFactory = (options: KafkaClientOptions) => KafkaClient;
/** Builds a consumer from its options. */
export type KafkaConsumerFactory = (options: KafkaConsumerOptions) => KafkaConsumer;

/** One entry per library, chosen by `client:` (the sink) or `--kafka-client` (verify). Loads both libraries. */
export const KAFKA_CLIENTS: Readonly<
  Record<KafkaLibrary, { producer: KafkaClientFactory; consumer: KafkaConsumerFactory }>
> = {
  kafkajs: { producer: createKafkajsClient, consumer: createKafkajsConsumer },
  platformatic: { producer: createPlatformaticClient, consumer: createPlatformaticConsumer },
};

export { createKafkajsClient, createKafkajsConsumer, createPlatformaticClient, createPlatformaticConsumer };
