import { type KafkaClientOptions, type KafkaTopicSpec, readTls } from "../kafka/index.js";
import type { KafkaSinkOptions } from "./kafka.js";

/** The client's settings from the sink's options (TLS files read). */
export function clientOptions(o: KafkaSinkOptions): KafkaClientOptions {
  const out: KafkaClientOptions = {
    brokers: o.brokers,
    clientId: o.client_id,
    acks: o.acks === "all" ? -1 : o.acks,
    idempotent: o.idempotent,
    compression: o.compression,
    maxInFlight: o.max_in_flight,
    connectionTimeoutMs: o.connection_timeout_ms,
    requestTimeoutMs: o.request_timeout_ms,
    retry: { initialMs: o.retry.initial_ms, maxMs: o.retry.max_ms, retries: o.retry.retries },
  };
  if (o.sasl) out.sasl = o.sasl;
  const tls = readTls(o.tls);
  if (tls) out.tls = tls;
  return out;
}

/**
 * The events and labels topics as `create_topic` wants them (the broker's defaults where it names none).
 * One partition for the labels keeps the few label records in order for their readers.
 */
export function topicSpecs(o: KafkaSinkOptions, labelsTopic: string): KafkaTopicSpec[] {
  const spec = o.create_topic;
  const rf = spec === false ? -1 : (spec.replication_factor ?? -1);
  return [
    { topic: o.topic, partitions: spec === false ? -1 : (spec.partitions ?? -1), replicationFactor: rf },
    { topic: labelsTopic, partitions: 1, replicationFactor: rf },
  ];
}
