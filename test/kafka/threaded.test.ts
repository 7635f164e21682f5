import { describe, expect, test } from "vitest";
import type { KafkaClientOptions, KafkaRecord } from "../../src/kafka/client.js";
import { isRetriableKafkaError } from "../../src/kafka/index.js";
import { batchLength, packRecords } from "../../src/kafka/packed.js";
import {
  createThreadedClient,
  prestartThreadedClient,
  producerWorkerUrl,
  releasePrestarted,
} from "../../src/kafka/threaded.js";
import { createKafkaSink } from "../../src/sinks/kafka.js";
import { makeEvents } from "../helpers/kafka-events.js";

const FAKE = new URL("../fixtures/kafka/fake-client.mjs", import.meta.url).href;
const options: KafkaClientOptions = {
  brokers: ["127.0.0.1:1"],
  clientId: "t",
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  retry: { initialMs: 10, maxMs: 100, retries: 1 },
  acks: -1,
  idempotent: true,
  compression: "none",
  maxInFlight: 5,
};
const batch = (value: string): KafkaRecord[] => [{ key: "k", value, headers: { workflow: "w" } }];
// The producer thread runs the built script (dist/): `npm run build` first, as for the CLI's tests.
const script = producerWorkerUrl();

describe.skipIf(script === undefined)("the producer thread's queue", () => {
  test("a batch handed ahead waits behind a failed one until its re-send succeeded", async () => {
    const client = createThreadedClient("platformatic", options, script!, FAKE);
    try {
      await client.connect();
      // One in the library, one ahead.
      expect(client.maxInFlight).toBe(2);
      const a = batch("fail-once A");
      const first = client.send("t", a);
      const b = client.send("t", batch("B"));
      const err = await first.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isRetriableKafkaError(err)).toBe(true);
      // B was handed over before A failed, and has not gone since: only A's re-send may pass it.
      expect(await client.missingTopics([])).toEqual(["fail-once A"]);
      await client.send("t", a);
      await b;
      expect(await client.missingTopics([])).toEqual(["fail-once A", "fail-once A", "B"]);
    } finally {
      await client.disconnect();
    }
  });

  test("after disconnect every call fails at once instead of waiting for a thread that is gone", async () => {
    const client = createThreadedClient("platformatic", options, script!, FAKE);
    await client.connect();
    await client.disconnect();
    await expect(client.send("t", batch("late"))).rejects.toThrow(/producer thread/);
  });

  test("a client started ahead is the one created with the same arguments; those not taken are stopped", async () => {
    const early = prestartThreadedClient("platformatic", options, script!, FAKE);
    const other = { ...options, clientId: "other" };
    const left = prestartThreadedClient("platformatic", other, script!, FAKE);
    const taken = createThreadedClient("platformatic", options, script!, FAKE);
    const fresh = createThreadedClient("platformatic", options, script!, FAKE);
    try {
      expect(taken).toBe(early);
      expect(fresh).not.toBe(early);
      await taken.connect();
      await taken.send("t", batch("A"));
      expect(await taken.missingTopics([])).toEqual(["A"]);
      await releasePrestarted();
      await expect(left.connect()).rejects.toThrow(/producer thread/);
      const again = createThreadedClient("platformatic", other, script!, FAKE);
      expect(again).not.toBe(left);
      await again.disconnect();
    } finally {
      await Promise.all([taken.disconnect(), fresh.disconnect()]);
    }
  });

  test("a packed batch goes once, its buffers moved; its re-send goes without them and is the kept records", async () => {
    const client = createThreadedClient("platformatic", options, script!, FAKE);
    try {
      await client.connect();
      const packed = packRecords([{ key: "k", value: "fail-once P", headers: { workflow: "w" } }]);
      const err = await client.send("t", packed).catch((e: unknown) => e);
      expect(isRetriableKafkaError(err)).toBe(true);
      // Moved to the producer thread: nothing of it is copied here, and its size is still known.
      expect([packed.bytes.byteLength, packed.hasKey.length, batchLength(packed)]).toEqual([0, 0, 1]);
      await client.send("t", packed);
      expect(await client.missingTopics([])).toEqual(["fail-once P", "fail-once P"]);
    } finally {
      await client.disconnect();
    }
  });

  test("a sink over the thread has every event acknowledged and counted, its backlog empty after close", async () => {
    const client = createThreadedClient("platformatic", options, script!, FAKE);
    let delivered = 0;
    const sink = createKafkaSink(
      { brokers: ["127.0.0.1:1"], topic: "t", linger_ms: 0, batch_size: 40, create_topic: false },
      { onDelivered: (n) => (delivered += n) },
      () => client,
    );
    await sink.start();
    const events = makeEvents(230, 7);
    await sink.write(events.slice(0, 100));
    await sink.write(events.slice(100));
    await sink.close();
    expect([delivered, sink.backlog]).toEqual([230, 0]);
  });
});
