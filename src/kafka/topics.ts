import { ErrorCode, TwError } from "../errors.js";
import type { KafkaClient, KafkaTopicSpec, TopicLister } from "./client.js";
import { describeKafkaError, fatalKafkaKind } from "./errors.js";

/** Quoted names, and the words that go with one or several, for one-line messages. */
function told(names: readonly string[]) {
  const quoted = names.map((t) => `"${t}"`);
  const several = quoted.length > 1;
  return {
    what: several ? `topics ${quoted.join(" and ")}` : `topic ${quoted[0]}`,
    them: several ? "them" : "it",
    verb: several ? "do" : "does",
  };
}

/**
 * Makes sure the topics exist before anything is sent: creates the missing ones unless `create` is false,
 * where a missing topic is fatal, as is a creation the cluster refuses (TW_CONFIG_INVALID, exit 2): a
 * retry would wait for someone else to fix either. Other errors (a broker away) are thrown as they are,
 * for the caller to retry.
 */
export async function prepareTopics(
  client: KafkaClient,
  topics: readonly KafkaTopicSpec[],
  create: boolean,
): Promise<void> {
  const missing = new Set(await client.missingTopics(topics.map((t) => t.topic)));
  if (missing.size === 0) return;
  const { what, them, verb } = told([...missing]);
  if (!create) {
    throw new TwError(
      ErrorCode.CONFIG_INVALID,
      `kafka: ${what} ${verb} not exist and create_topic is false: create ${them}, or remove create_topic: false to let tracewalk create missing topics`,
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

/**
 * Checks that a topic a reader was pointed at exists; TW_INPUT_INVALID naming `flag` when it does not.
 * Under an authorizer a topic the client may not describe is left out of the list, hence `user`.
 */
export async function requireTopic(
  lister: TopicLister,
  topic: string,
  where: { flag: string; brokers: readonly string[]; user?: string },
): Promise<void> {
  if ((await lister.missingTopics([topic])).length === 0) return;
  const hidden = where.user === undefined ? "" : ` (or user "${where.user}" may not describe it)`;
  throw new TwError(
    ErrorCode.INPUT_INVALID,
    `${where.flag}: topic "${topic}" does not exist on ${where.brokers.join(",")}${hidden}`,
  );
}
