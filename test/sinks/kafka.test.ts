import { ProtocolError } from "@platformatic/kafka";
import { describe, expect, test } from "vitest";
import { TwError } from "../../src/errors.js";
import type { KafkaClient, KafkaRecord, KafkaTopicSpec } from "../../src/kafka/index.js";
import { isPacked, type KafkaBatch, recordsOf, unpackRecords } from "../../src/kafka/packed.js";
import { eventToJson } from "../../src/sinks/jsonl.js";
import { createKafkaSink, type KafkaSinkConfig } from "../../src/sinks/kafka.js";
import { makeEvents } from "../helpers/kafka-events.js";

/** A client that records every send and fails the first `failures` of them. */
function fakeClient(failures = 0) {
  const sends: { topic: string; batch: KafkaBatch; records: readonly KafkaRecord[] }[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const client: KafkaClient = {
    maxInFlight: 1,
    connect: async () => {},
    missingTopics: async () => [],
    createTopics: async () => {},
    send: async (topic, records) => {
      sends.push({ topic, batch: records, records: recordsOf(records) });
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
    const values = fake.sends.flatMap((s) => s.records.map((r) => JSON.parse(String(r.value)).event_id));
    expect(values).toEqual(events.map((e) => e.event_id));
    for (const s of fake.sends) {
      const bytes = s.records.reduce((n, r) => n + r.value.length + (r.key?.length ?? 0) + 60, 0);
      expect(bytes).toBeLessThanOrEqual(4096 + 200);
      expect(s.records.length).toBeLessThanOrEqual(100);
    }
  });

  test("each value is byte for byte JSON.stringify(event), escapes and non-ASCII too, across the thread's buffer", async () => {
    const fake = fakeClient();
    const sink = createKafkaSink({ ...base, batch_size: 1000, key: "session_id" }, {}, () => fake.client);
    await sink.start();
    const events = makeEvents(300, 7);
    const odd = [
      'quote " and \\ back',
      "tab\tnew\nline\u0001",
      "café ☕ 😀",
      "lone \ud800 half",
      "</script>",
    ];
    for (let i = 0; i < events.length; i += 3) {
      const e = events[i]!;
      const s = odd[(i / 3) % odd.length]!;
      if (i % 2 === 0) e.params = { ...e.params, [s]: s, n: -1.5e-7 };
      else e.path = `/api/${s}`;
      if (i % 5 === 0) e.cascade_id = s;
      if (i % 7 === 0) e.user_id = s;
      if (i % 11 === 0) Object.assign(e, { error: i % 2 === 0 ? s : null });
    }
    await sink.write(events.slice(0, 120));
    await sink.write(events.slice(120));
    await sink.close();
    const records = fake.sends.flatMap((s) => s.records);
    expect(records).toHaveLength(events.length);
    // As the producer thread reads them: a copy of the batch's buffers, as postMessage carries them.
    expect(fake.sends.every((s) => isPacked(s.batch))).toBe(true);
    const sent = fake.sends.flatMap((s) =>
      isPacked(s.batch) ? unpackRecords(structuredClone(s.batch)) : [],
    );
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const want = Buffer.from(JSON.stringify(e), "utf8");
      expect(Buffer.from(eventToJson(e), "utf8").equals(want)).toBe(true);
      expect(Buffer.from(records[i]!.value).equals(want), `event ${i}`).toBe(true);
      expect(Buffer.from(sent[i]!.value).equals(want), `event ${i} decoded`).toBe(true);
      expect(String(sent[i]!.key)).toBe(e.session_id);
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

/** A client whose cluster lacks `missing` topics, records what it is asked to create, and fails sends with `sendError`. */
function clusterClient(missing: string[], sendError?: () => Error) {
  const created: KafkaTopicSpec[][] = [];
  let sends = 0;
  let disconnected = false;
  const client: KafkaClient = {
    maxInFlight: 1,
    connect: async () => {},
    missingTopics: async (topics) => topics.filter((t) => missing.includes(t)),
    createTopics: async (topics) => {
      created.push([...topics]);
    },
    send: async () => {
      sends++;
      if (sendError) throw sendError();
    },
    disconnect: async () => {
      disconnected = true;
    },
  };
  return { client, created, sends: () => sends, disconnected: () => disconnected };
}

describe("kafka sink topics and fatal errors (fake client)", () => {
  test("missing topics are created by default with the broker's defaults (-1), labels with one partition", async () => {
    for (const [create_topic, partitions, rf] of [
      [undefined, -1, -1],
      [true, -1, -1],
      [{ partitions: 3 }, 3, -1],
      [{ partitions: 3, replication_factor: 2 }, 3, 2],
    ] as const) {
      const fake = clusterClient(["t", "t.labels"]);
      const sink = createKafkaSink(
        { ...base, ...(create_topic === undefined ? {} : { create_topic }), start_timeout_ms: 1000 },
        {},
        () => fake.client,
      );
      await sink.start();
      await sink.close();
      expect(fake.created).toEqual([
        [
          { topic: "t", partitions, replicationFactor: rf },
          { topic: "t.labels", partitions: 1, replicationFactor: rf },
        ],
      ]);
    }
  });

  test("only the missing topic is created; none when both exist", async () => {
    const one = clusterClient(["t.labels"]);
    const sink = createKafkaSink({ ...base, start_timeout_ms: 1000 }, {}, () => one.client);
    await sink.start();
    await sink.close();
    expect(one.created.map((c) => c.map((t) => t.topic))).toEqual([["t.labels"]]);
    const none = clusterClient([]);
    const sink2 = createKafkaSink(
      { ...base, create_topic: false, start_timeout_ms: 1000 },
      {},
      () => none.client,
    );
    await sink2.start();
    await sink2.close();
    expect(none.created).toEqual([]);
  });

  test("create_topic: false and a missing topic: start rejects (exit 2) naming the topic and create_topic", async () => {
    const fake = clusterClient(["t"]);
    const sink = createKafkaSink(
      { ...base, create_topic: false, start_timeout_ms: 5000 },
      {},
      () => fake.client,
    );
    const err = await sink.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TwError);
    expect(err).toMatchObject({ code: "TW_CONFIG_INVALID", exitCode: 2 });
    expect((err as Error).message).toMatch(/topic "t" does not exist and create_topic is false/);
    expect(fake.created).toEqual([]);
  });

  test("connecting in the background (start_timeout_ms: 0), a fatal error resolves `stopped` and fails writes", async () => {
    const fake = clusterClient(["t", "t.labels"]);
    const fatal: TwError[] = [];
    const sink = createKafkaSink(
      { ...base, create_topic: false },
      { onFatal: (e) => fatal.push(e) },
      () => fake.client,
    );
    await sink.start();
    const err = await sink.stopped;
    expect(err.message).toMatch(/topics "t" and "t.labels" do not exist and create_topic is false/);
    expect(fatal).toEqual([err]);
    expect(sink.ready).toBe(false);
    expect(fake.disconnected()).toBe(true);
    await expect(sink.write(makeEvents(1))).rejects.toBe(err);
    await sink.close();
  });

  test("topics are checked while the client connects; each is done once, and the connect's failure is the one reported", async () => {
    const fake = clusterClient(["t", "t.labels"]);
    const calls: string[] = [];
    let connects = 0;
    let open!: () => void;
    const opened = new Promise<void>((ok) => (open = ok));
    fake.client.connect = async () => {
      calls.push(`connect ${++connects}`);
      if (connects === 1) throw new Error("broker away (connect)");
      await opened;
    };
    const missing = fake.client.missingTopics;
    let checks = 0;
    fake.client.missingTopics = async (topics) => {
      calls.push(`topics ${++checks}`);
      if (checks === 1) throw new Error("broker away (topics)");
      return missing(topics);
    };
    const errors: unknown[] = [];
    const sink = createKafkaSink(
      { ...base, start_timeout_ms: 5000 },
      { onError: (e) => errors.push(e) },
      () => fake.client,
    );
    const started = sink.start();
    // The second attempt's topics are created while its connect still waits.
    await expect.poll(() => fake.created.length).toBe(1);
    expect(calls).toEqual(["connect 1", "topics 1", "connect 2", "topics 2"]);
    expect(sink.ready).toBe(false);
    open();
    await started;
    expect((errors as Error[]).map((e) => e.message)).toEqual(["broker away (connect)"]);
    await sink.write(makeEvents(3));
    await sink.close();
    expect(fake.sends()).toBe(1);
    expect(calls).toHaveLength(4);
  });

  test("a send error no retry can fix stops the sink at once, keeping the batch as undelivered backlog", async () => {
    const fake = clusterClient([], () => new ProtocolError("MESSAGE_TOO_LARGE"));
    const errors: unknown[] = [];
    const sink = createKafkaSink(
      { ...base, batch_size: 10 },
      { onError: (e) => errors.push(e) },
      () => fake.client,
    );
    await sink.start();
    await sink.write(makeEvents(10));
    const err = await sink.stopped;
    expect(err).toMatchObject({ code: "TW_SINK_FAILED", exitCode: 1 });
    expect(err.message).toMatch(/topic "t" refused a batch as too large: .*MESSAGE_TOO_LARGE.*batch_bytes/);
    expect(fake.sends()).toBe(1);
    expect(errors).toEqual([]);
    expect(sink.backlog).toBe(10);
  });

  test("a retriable send error is retried and reported, not fatal", async () => {
    let failures = 3;
    const fake = clusterClient([], () => new ProtocolError("NOT_LEADER_OR_FOLLOWER"));
    const send = fake.client.send;
    fake.client.send = async (t, r) => {
      if (failures-- > 0) return send(t, r);
    };
    const errors: unknown[] = [];
    const sink = createKafkaSink(
      { ...base, batch_size: 10 },
      { onError: (e) => errors.push(e) },
      () => fake.client,
    );
    await sink.start();
    await sink.write(makeEvents(10));
    await sink.close();
    expect(errors).toHaveLength(3);
    expect(sink.backlog).toBe(0);
  });
});
