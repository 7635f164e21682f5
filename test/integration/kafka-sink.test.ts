import { Kafka, logLevel } from "kafkajs";
import { describe, expect, inject, test } from "vitest";
import { EVENT_SCHEMA_VERSION, type TraceEvent } from "../../src/event/index.js";
import { keyPartitionHash } from "../../src/kafka/murmur2.js";
import { createKafkaSink, type KafkaSinkConfig } from "../../src/sinks/kafka.js";
import {
  type ConsumedRecord,
  consumeWithKafkajs,
  consumeWithKcat,
  makeEvents,
  multiset,
  randomTopic,
} from "../helpers/kafka-events.js";
import { EFFECTS } from "../helpers/labels.js";

const brokers = inject("kafkaBrokers");
const CLIENTS = ["kafkajs", "platformatic"] as const;

async function produce(config: Partial<KafkaSinkConfig>, events: TraceEvent[], chunk = 250) {
  let delivered = 0;
  const sink = createKafkaSink(
    { brokers, topic: randomTopic(), ...config },
    { onDelivered: (n) => (delivered += n) },
  );
  await sink.start();
  const bound = config.max_buffered_events ?? 4 * (config.batch_size ?? 2000);
  let maxBacklog = 0;
  for (let i = 0; i < events.length; i += chunk) {
    await sink.write(events.slice(i, i + chunk));
    maxBacklog = Math.max(maxBacklog, sink.backlog);
  }
  await sink.close();
  return { sink, delivered, maxBacklog, bound };
}

/**
 * Within each partition, in offset order, every session's call_index runs 0, 1, 2, …; each key in the
 * partition Java's default partitioner gives it (as every client of ours did before placing by keyHash).
 */
function checkSessionOrder(records: ConsumedRecord[], partitions: number): void {
  const partitionOf = new Map<string, number>();
  const lastIndex = new Map<string, number>();
  const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of sorted) {
    const e = JSON.parse(r.value) as TraceEvent;
    expect(r.key).toBe(e.session_id);
    expect(r.partition).toBe(keyPartitionHash(Buffer.from(e.session_id)) % partitions);
    const p = partitionOf.get(e.session_id);
    if (p !== undefined) expect(r.partition, `session ${e.session_id} in one partition`).toBe(p);
    partitionOf.set(e.session_id, r.partition);
    expect(e.call_index, `order of ${e.session_id}`).toBe((lastIndex.get(e.session_id) ?? -1) + 1);
    lastIndex.set(e.session_id, e.call_index);
  }
}

describe.each(CLIENTS)("kafka sink on %s against a real broker", (client) => {
  test("everything produced is consumed once, keyed by session, in session order, with headers", async () => {
    const events = makeEvents(12_000, 300);
    const topic = randomTopic();
    const { delivered, maxBacklog, bound, sink } = await produce(
      { client, topic, create_topic: { partitions: 3 }, batch_size: 500, linger_ms: 2 },
      events,
    );
    expect(delivered).toBe(events.length);
    expect(maxBacklog).toBeLessThanOrEqual(bound);
    expect(sink.backlog).toBe(0);

    const want = multiset(events.map((e) => e.event_id));
    for (const records of [
      await consumeWithKafkajs(brokers, topic, events.length),
      await consumeWithKcat(brokers, topic),
    ]) {
      expect(records).toHaveLength(events.length);
      expect(multiset(records.map((r) => (JSON.parse(r.value) as TraceEvent).event_id))).toEqual(want);
      expect(new Set(records.map((r) => r.partition)).size).toBe(3);
      checkSessionOrder(records, 3);
      for (const r of records) {
        const e = JSON.parse(r.value) as TraceEvent;
        expect(r.headers).toEqual({
          workflow: e.workflow,
          schema_version: EVENT_SCHEMA_VERSION,
          "content-type": "application/json",
        });
      }
    }
  });

  test("the value is the Event v1 JSON, byte for byte", async () => {
    const events = makeEvents(50, 5);
    const topic = randomTopic();
    await produce({ client, topic, create_topic: { partitions: 1 }, key: "user_id" }, events);
    const records = await consumeWithKcat(brokers, topic);
    expect(records.map((r) => r.value)).toEqual(events.map((e) => JSON.stringify(e)));
    expect(records.map((r) => r.key)).toEqual(events.map((e) => e.user_id));
  });

  test("labels go to the labels topic, not the events topic", async () => {
    const topic = randomTopic();
    const sink = createKafkaSink({ client, brokers, topic, create_topic: { partitions: 2 } });
    await sink.start();
    const labels = [1, 2, 3].map((i) => ({
      cascade_id: `c${i}`,
      name: "payment-brownout",
      start: "2026-01-01T00:00:00.000Z",
      end: "2026-01-01T00:05:00.000Z",
      scope: { endpoints: ["/api/payment*"] },
      effects: EFFECTS,
    }));
    await sink.write(makeEvents(10, 2));
    await sink.writeLabels(labels);
    await sink.close();
    await sink.close();
    const got = await consumeWithKcat(brokers, `${topic}.labels`);
    expect(got.map((r) => JSON.parse(r.value))).toEqual(labels);
    expect(got.map((r) => r.key)).toEqual(["c1", "c2", "c3"]);
    const events = await consumeWithKcat(brokers, topic);
    expect(events).toHaveLength(10);
    await expect(sink.write(makeEvents(1))).rejects.toMatchObject({ code: "TW_SINK_FAILED" });
  });

  test("creates the topic with N partitions and the labels topic", async () => {
    const topic = randomTopic();
    const sink = createKafkaSink({
      client,
      brokers,
      topic,
      create_topic: { partitions: 6, replication_factor: 1 },
    });
    await sink.start();
    await sink.write(makeEvents(100, 10));
    await sink.close();
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic, `${topic}.labels`] });
      expect(meta.topics.find((t) => t.name === topic)?.partitions).toHaveLength(6);
      expect(meta.topics.find((t) => t.name === `${topic}.labels`)?.partitions).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
  });

  test("start with start_timeout_ms fails with TW_SINK_UNAVAILABLE when no broker answers", async () => {
    const errors: unknown[] = [];
    const sink = createKafkaSink(
      {
        client,
        brokers: ["127.0.0.1:1"],
        topic: randomTopic(),
        start_timeout_ms: 1500,
        connection_timeout_ms: 200,
        retry: { initial_ms: 50, max_ms: 200, retries: 0 },
      },
      { onError: (e) => errors.push(e) },
    );
    await expect(sink.start()).rejects.toMatchObject({ code: "TW_SINK_UNAVAILABLE", retriable: true });
    expect(errors.length).toBeGreaterThan(0);
    expect(sink.ready).toBe(false);
  });
});

test("both clients put a session in the same partition (Java's partitioner)", async () => {
  const events = makeEvents(600, 60);
  const partitionBySession = async (client: (typeof CLIENTS)[number]) => {
    const topic = randomTopic();
    await produce({ client, topic, create_topic: { partitions: 5 } }, events);
    const records = await consumeWithKcat(brokers, topic);
    return new Map(records.map((r) => [r.key, r.partition]));
  };
  const kafkajs = await partitionBySession("kafkajs");
  const platformatic = await partitionBySession("platformatic");
  expect(kafkajs.size).toBe(60);
  expect(platformatic).toEqual(kafkajs);
});
