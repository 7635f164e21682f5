import { ErrorCode, TwError } from "../errors.js";
import type { KafkaSinkOptions } from "./kafka.js";
import type { KafkaClient, KafkaTopicSpec } from "./kafka-client.js";
import { describeKafkaError, fatalKafkaKind } from "./kafka-errors.js";

/**
 * Makes sure the events and labels topics exist before anything is sent: creates the missing ones (the
 * broker's defaults where `create_topic` names none) unless `create_topic: false`, where a missing topic
 * is fatal, as is a creation the cluster refuses (TW_CONFIG_INVALID, exit 2): a retry would wait for
 * someone else to fix either. Other errors (a broker away) are thrown as they are, for the caller to retry.
 */
export async function prepareTopics(
  client: KafkaClient,
  options: KafkaSinkOptions,
  labelsTopic: string,
): Promise<void> {
  const spec = options.create_topic;
  const rf = spec === false ? -1 : (spec.replication_factor ?? -1);
  const topics: KafkaTopicSpec[] = [
    {
      topic: options.topic,
      partitions: spec === false ? -1 : (spec.partitions ?? -1),
      replicationFactor: rf,
    },
    // One partition keeps the few label records in order for their readers.
    { topic: labelsTopic, partitions: 1, replicationFactor: rf },
  ];
  const missing = new Set(await client.missingTopics(topics.map((t) => t.topic)));
  if (missing.size === 0) return;
  const names = [...missing].map((t) => `"${t}"`);
  const what = names.length > 1 ? `topics ${names.join(" and ")}` : `topic ${names[0]}`;
  const them = names.length > 1 ? "them" : "it";
  if (spec === false) {
    throw new TwError(
      ErrorCode.CONFIG_INVALID,
      `kafka: ${what} ${names.length > 1 ? "do" : "does"} not exist and create_topic is false: create ${them}, or remove create_topic: false to let tracewalk create missing topics`,
    );
  }
  try {
    await client.createTopics(topics.filter((t) => missing.has(t.topic)));
  } catch (err) {
    const kind = fatalKafkaKind(err);
    if (kind === undefined) throw err;
    throw new TwError(
      ErrorCode.CONFIG_INVALID,
      `kafka: the cluster refused to create ${what} (create_topic): ${describeKafkaError(err)}; create ${them} beforehand and set create_topic: false, or fix create_topic's partitions and replication_factor, or the client's permissions`,
      { cause: err },
    );
  }
}
