/**
 * The Kafka module's public face: connection and security options, error classification, topic checks
 * and the timeout race, shared by the Kafka sink and the live reader (`verify --kafka-brokers`). It loads
 * no client library: the producers and consumers of each library are in `clients.ts`, imported by its
 * path where Kafka is actually spoken, so that a run without Kafka never loads kafkajs.
 */
export type {
  KafkaClient,
  KafkaClientOptions,
  KafkaConsumer,
  KafkaConsumerOptions,
  KafkaRecord,
  KafkaTopicSpec,
  OnRecord,
  TopicLister,
} from "./client.js";
export {
  describeKafkaError,
  fatalConnectError,
  fatalKafkaKind,
  fatalSendError,
  isRetriableKafkaError,
  type KafkaFatalKind,
} from "./errors.js";
export {
  KAFKA_LIBRARIES,
  KAFKA_SASL_MECHANISMS,
  type KafkaConnection,
  type KafkaLibrary,
  type KafkaSasl,
  type KafkaTls,
  type KafkaTlsConfig,
  readTls,
  within,
} from "./options.js";
export { prepareTopics, requireTopic } from "./topics.js";
