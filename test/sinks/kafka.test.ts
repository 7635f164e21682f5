import { describe, expect, test } from "vitest";
import { createKafkaSink, type KafkaSinkConfig } from "../../src/sinks/kafka.js";
import type { KafkaClient, KafkaRecord } from "../../src/sinks/kafka-client.js";
import { makeEvents } from "../helpers/kafka-events.js";

/** A client that records every send and fails the first `failures` of them. */
function fakeClient(failures = 0) {
  const sends: { topic: string; records: readonly KafkaRecord[] }[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const client: KafkaClient = {
    maxInFlight: 1,
    connect: async () => {},
    createTopics: async () => {},
    send: async (topic, records) => {
      sends.push({ topic, records });
      if (hold) await new Promise<void>((ok) => (release = ok));
      if (failures-- > 0) throw new Error("broker away");
    },
    disconnect: async () => {},
  };
  return {
    client,
    sends,
    hold: (on: boolean) => {
      hold = on;
      if (!on) release?.();
    },
  };
}

const base: KafkaSinkConfig = {
  brokers: ["127.0.0.1:9"],
  topic: "t",
  linger_ms: 0,
  retry: { initial_ms: 1, max_ms: 2, retries: 0 },
};

describe("kafka sink (fake client)", () => {
  test("a failed batch is re-sent as the very same records, and counted once", async () => {
    const fake = fakeClient(2);
    let delivered = 0;
    const retries: string[] = [];
    const sink = createKafkaSink(
      { ...base, batch_size: 10 },
      { onDelivered: (n) => (delivered += n), onRetry: (r) => retries.push(r.what) },
      () => fake.client,
    );
    await sink.start();
    await sink.write(makeEvents(10, 2));
    await sink.close();
    expect(fake.sends).toHaveLength(3);
    expect(fake.sends[1]!.records).toBe(fake.sends[0]!.records);
    expect(fake.sends[2]!.records).toBe(fake.sends[0]!.records);
    expect(retries).toEqual(["send", "send"]);
    expect(delivered).toBe(10);
    expect(sink.ready).toBe(false); // closed
  });

  test("batches respect batch_size and batch_bytes, and keep the order given", async () => {
    const fake = fakeClient();
    const sink = createKafkaSink({ ...base, batch_size: 100, batch_bytes: 4096 }, {}, () => fake.client);
    await sink.start();
    const events = makeEvents(250, 7);
    await sink.write(events);
    await sink.close();
    const values = fake.sends.flatMap((s) => s.records.map((r) => JSON.parse(r.value).event_id));
    expect(values).toEqual(events.map((e) => e.event_id));
    for (const s of fake.sends) {
      const bytes = s.records.reduce((n, r) => n + r.value.length + (r.key?.length ?? 0) + 60, 0);
      expect(bytes).toBeLessThanOrEqual(4096 + 200);
      expect(s.records.length).toBeLessThanOrEqual(100);
    }
  });

  test("write waits while more than max_buffered_events are unacknowledged", async () => {
    const fake = fakeClient();
    fake.hold(true);
    const sink = createKafkaSink({ ...base, batch_size: 10, max_buffered_events: 20 }, {}, () => fake.client);
    await sink.start();
    await sink.write(makeEvents(20));
    let resolved = false;
    const pending = sink.write(makeEvents(10)).then(() => (resolved = true));
    await new Promise((ok) => setTimeout(ok, 20));
    expect(resolved).toBe(false);
    expect(sink.backlog).toBe(30);
    fake.hold(false);
    await pending;
    expect(sink.backlog).toBeLessThanOrEqual(20);
    await sink.close();
    expect(sink.backlog).toBe(0);
  });

  test("destroy drops the backlog, keeps its count, and releases a waiting write and close", async () => {
    const fake = fakeClient();
    fake.hold(true);
    let delivered = 0;
    const sink = createKafkaSink(
      { ...base, batch_size: 5, max_buffered_events: 5 },
      { onDelivered: (n) => (delivered += n) },
      () => fake.client,
    );
    await sink.start();
    const pending = sink.write(makeEvents(20));
    const closing = sink.close();
    sink.destroy();
    await pending;
    await closing;
    // The backlog is now what was dropped; nothing delivered lowers it any more.
    expect(sink.backlog).toBe(20);
    fake.hold(false);
    await sink.close();
    expect(sink.backlog).toBe(20);
    expect(delivered).toBe(0);
  });

  test("rejects acks other than all for the idempotent producer", () => {
    expect(() => createKafkaSink({ ...base, acks: 1 })).toThrow(
      expect.objectContaining({ code: "TW_CONFIG_INVALID" }),
    );
    expect(() =>
      createKafkaSink({ ...base, acks: 1, idempotent: false }, {}, () => fakeClient().client),
    ).not.toThrow();
  });
});
