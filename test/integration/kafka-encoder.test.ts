import { compatibilityPartitioner } from "@platformatic/kafka";
import { expect, inject, test } from "vitest";
import type { KafkaClientOptions } from "../../src/kafka/index.js";
import { baseOptions, createPlatformaticClient } from "../../src/kafka/platformatic.js";
import { EncodingProducer } from "../../src/kafka/platformatic-produce.js";
import { consumeWithKcat, randomTopic } from "../helpers/kafka-events.js";

// The platformatic client's producer sends batches encoded by tracewalk, not by the library: a silent
// fallback to the library's encoder would pass every other Kafka test and fail this one.

const brokers = inject("kafkaBrokers");

const options: KafkaClientOptions = {
  brokers,
  clientId: "tw-test-encoder",
  acks: -1,
  idempotent: true,
  compression: "none",
  maxInFlight: 1,
  connectionTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  retry: { initialMs: 100, maxMs: 1000, retries: 5 },
};

test("an idempotent producer's batches are ours, and a broker reads them back intact", async () => {
  const topic = randomTopic();
  const admin = createPlatformaticClient(options);
  await admin.createTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
  await admin.disconnect();

  const producer = new EncodingProducer({
    ...baseOptions(options, "producer"),
    idempotent: true,
    acks: -1,
    maxInflights: 1,
    partitioner: compatibilityPartitioner,
  });
  const shared = new Map([
    [Buffer.from("workflow"), Buffer.from("ecommerce")],
    [Buffer.from("schema_version"), Buffer.from("1")],
    [Buffer.from("content-type"), Buffer.from("application/json")],
  ]);
  const other = new Map([[Buffer.from("wörkflöw"), Buffer.from("")]]);
  const sent: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const messages = Array.from({ length: 400 }, (_, i) => {
        const n = round * 400 + i;
        const key = n % 7 === 0 ? undefined : Buffer.from(`s${n % 50}`);
        const value = Buffer.from(`{"n":${n},"pad":"${"x".repeat(n % 200)}"}`);
        const headers = n % 3 === 0 ? other : shared;
        sent.push({
          key: key?.toString() ?? null,
          value: value.toString(),
          headers: Object.fromEntries([...headers].map(([k, v]) => [k.toString(), v.toString()])),
        });
        return { topic, key, value, headers };
      });
      await producer.send({ messages });
    }
  } finally {
    await producer.close(true);
  }
  expect(producer.encoded.library, "batches left to the library's encoder").toBe(0);
  // Three sends, each to up to three partitions.
  expect(producer.encoded.ours).toBeGreaterThanOrEqual(3);

  const read = await consumeWithKcat(brokers, topic);
  const norm = (r: { key: string | null; value: string; headers: Record<string, string> }) =>
    JSON.stringify([r.key, r.value, Object.entries(r.headers).sort()]);
  expect(read.map(norm).sort()).toEqual(sent.map(norm).sort());
});
