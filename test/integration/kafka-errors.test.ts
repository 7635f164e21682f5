import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import type { TwError } from "../../src/errors.js";
import { describeKafkaError } from "../../src/kafka/index.js";
import { createKafkaSink, type KafkaSink, type KafkaSinkConfig } from "../../src/sinks/kafka.js";
import { runCli, STACK_LINE, tempDir, waitFor } from "../helpers/cli.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import { consumeWithKcat, makeEvents, multiset, randomTopic } from "../helpers/kafka-events.js";

const brokers = inject("kafkaBrokers");
const CLIENTS = ["platformatic", "kafkajs"] as const;

/** Short retries, so that a retried failure shows several times within a test. */
const quick: Partial<KafkaSinkConfig> = {
  connection_timeout_ms: 1000,
  request_timeout_ms: 5000,
  retry: { initial_ms: 50, max_ms: 200, retries: 1 },
};

/** The error `stopped` resolves with, or undefined when the sink has not stopped for good. */
async function stoppedNow(sink: KafkaSink): Promise<TwError | undefined> {
  return Promise.race([sink.stopped, new Promise<undefined>((ok) => setImmediate(() => ok(undefined)))]);
}

/** A loopback port nobody listens on (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address() as { port: number };
  await new Promise((ok) => s.close(ok));
  return port;
}

async function admin<T>(use: (a: ReturnType<Kafka["admin"]>) => Promise<T>): Promise<T> {
  const a = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await a.connect();
  try {
    return await use(a);
  } finally {
    await a.disconnect();
  }
}

describe.each(CLIENTS)("kafka error classes on %s against a real broker", (client) => {
  test("a fresh topic with the sink's defaults is created with the broker's partition count and lands every event", async () => {
    const topic = randomTopic("tw-fresh");
    const events = makeEvents(500, 20);
    const sink = createKafkaSink({ client, brokers, topic });
    await sink.start();
    await sink.write(events);
    await sink.close();
    const consumed = await consumeWithKcat(brokers, topic);
    expect(multiset(consumed.map((r) => r.value))).toEqual(multiset(events.map((e) => JSON.stringify(e))));
    const meta = await admin((a) => a.fetchTopicMetadata({ topics: [topic, `${topic}.labels`] }));
    // scripts/kafka/start.sh sets num.partitions=1.
    expect(meta.topics.map((t) => t.partitions.length)).toEqual([1, 1]);
  });

  test("broker away: retried and counted, never fatal; the error names the broker and the cause", async () => {
    const port = await deadPort();
    const errors: unknown[] = [];
    const sink = createKafkaSink(
      { client, brokers: [`127.0.0.1:${port}`], topic: randomTopic(), ...quick },
      { onError: (e) => errors.push(e) },
    );
    await sink.start();
    try {
      await waitFor("three failed connects", () => errors.length >= 3, 30_000);
      expect(await stoppedNow(sink)).toBeUndefined();
      expect(sink.ready).toBe(false);
      expect(describeKafkaError(errors[0])).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    } finally {
      sink.destroy();
    }
  });

  test("a batch larger than the topic's max.message.bytes stops the sink at once (TW_SINK_FAILED)", async () => {
    const topic = randomTopic("tw-small");
    await admin((a) =>
      a.createTopics({
        topics: [
          { topic, numPartitions: 1, configEntries: [{ name: "max.message.bytes", value: "2048" }] },
          { topic: `${topic}.labels`, numPartitions: 1 },
        ],
      }),
    );
    const errors: unknown[] = [];
    const sink = createKafkaSink(
      { client, brokers, topic, create_topic: false, ...quick },
      { onError: (e) => errors.push(e) },
    );
    await sink.start();
    // 50 events of about 400 bytes: one batch of some 20 kB.
    await sink.write(makeEvents(50, 5));
    const err = await sink.stopped;
    expect(err).toMatchObject({ code: "TW_SINK_FAILED", exitCode: 1 });
    expect(err.message).toContain(`topic "${topic}" refused a batch as too large`);
    expect(err.message).toContain("MESSAGE_TOO_LARGE");
    expect(errors).toEqual([]);
    expect(sink.backlog).toBe(50);
    await expect(sink.write(makeEvents(1))).rejects.toBe(err);
    sink.destroy();
  });

  test("an invalid topic name: creation refused at start (exit 2), naming the topic and create_topic", async () => {
    const topic = "tw bad name!";
    const sink = createKafkaSink({ client, brokers, topic, ...quick, start_timeout_ms: 30_000 });
    const err = (await sink.start().catch((e: unknown) => e)) as TwError;
    expect(err).toMatchObject({ code: "TW_CONFIG_INVALID", exitCode: 2 });
    expect(err.message).toContain(`"${topic}"`);
    expect(err.message).toContain("create_topic");
    expect(err.message).toContain("INVALID_TOPIC_EXCEPTION");
  });

  test("create_topic: false and a missing topic: stopped in the background, naming the topic", async () => {
    const topic = randomTopic("tw-missing");
    const sink = createKafkaSink({ client, brokers, topic, create_topic: false, ...quick });
    await sink.start();
    const err = await sink.stopped;
    expect(err).toMatchObject({ code: "TW_CONFIG_INVALID", exitCode: 2 });
    expect(err.message).toContain(`"${topic}"`);
    expect(err.message).toContain("create_topic is false");
    const topics = await admin((a) => a.listTopics());
    expect(topics).not.toContain(topic);
  });
});

describe.each(CLIENTS)("tracewalk run on %s", (client) => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir("tw-kafka-errors-");
  });
  afterAll(() => tmp.remove());

  function config(name: string, topic: string, kafkaExtra = ""): { config: string; file: string } {
    const file = join(tmp.dir, `${name}.jsonl`);
    const path = join(tmp.dir, `${name}.yaml`);
    writeFileSync(
      path,
      `seed: 5
generation: { cascade_rate: 0.2 }
metrics: { enabled: false }
log: { level: info, pretty: false }
sinks:
  - { type: kafka, client: ${client}, brokers: [${brokers.join(", ")}], topic: "${topic}"${kafkaExtra} }
  - { type: file, path: ${file} }
`,
    );
    return { config: path, file };
  }

  test("into a fresh topic with the sink's defaults lands every event and label", async () => {
    const topic = randomTopic("tw-run-fresh");
    const { config: path, file } = config("fresh", topic);
    const r = await runCli(["run", "--config", path, "--speed", "max", "--duration", "10m"]);
    expect(r.code, r.stderr).toBe(0);
    const produced = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(produced.length).toBeGreaterThan(100);
    const consumed = await consumeWithKcat(brokers, topic);
    expect(multiset(consumed.map((m) => m.value))).toEqual(multiset(produced));
    const labels = readFileSync(file.replace(/\.jsonl$/, ".labels.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean);
    expect(labels.length).toBeGreaterThan(0);
    const consumedLabels = await consumeWithKcat(brokers, `${topic}.labels`);
    expect(multiset(consumedLabels.map((m) => m.value))).toEqual(multiset(labels));
  });

  test("broker away: the log names the broker and the cause of each retried failure", async () => {
    const port = await deadPort();
    const { config: path } = config("away", randomTopic(), "");
    const run = runCli([
      "run",
      "--config",
      path,
      "--speed",
      "max",
      "--set",
      `sinks.0.brokers=[127.0.0.1:${port}]`,
    ]);
    let stderr = "";
    run.child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await waitFor(
        "a retried kafka error in the log",
        () => stderr.includes("kafka error; will retry"),
        30_000,
      );
    } finally {
      // SIGKILL: a bounded shutdown with the broker away is another test's business.
      run.child.kill("SIGKILL");
      await run;
    }
    const line = stderr.split("\n").find((l) => l.includes("kafka error; will retry"))!;
    expect(JSON.parse(line).err).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });

  test("create_topic: false on a fresh topic exits 2 at once, naming the topic and create_topic", async () => {
    const topic = randomTopic("tw-run-missing");
    const { config: path } = config("missing", topic, ", create_topic: false");
    // Real time, no duration: only the missing topic can end this run.
    const r = await runCli(["run", "--config", path, "--speed", "1"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`tracewalk run: kafka: topics "${topic}" and "${topic}.labels" do not exist`);
    expect(r.stderr).toContain("create_topic is false");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe("a broker with an authorizer (SASL/PLAIN user without ACLs)", () => {
  let kafka: KafkaHarness;
  const users = { alice: "alice-secret" };
  beforeAll(async () => {
    kafka = await startKafka({ dedicated: true, secured: { users } });
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  const alice = (password = users.alice): Partial<KafkaSinkConfig> => ({
    brokers: kafka.saslBrokers!,
    sasl: { mechanism: "plain", username: "alice", password },
    // The idempotent producer would already be refused its producer id (IDEMPOTENT_WRITE) at connect.
    idempotent: false,
    acks: 1,
    ...quick,
    start_timeout_ms: 30_000,
  });

  describe.each(CLIENTS)("on %s", (client) => {
    test("creating a topic is refused: fatal at start (exit 2), naming the topic and create_topic", async () => {
      const topic = randomTopic("tw-denied");
      const sink = createKafkaSink({ client, topic, ...alice() });
      const err = (await sink.start().catch((e: unknown) => e)) as TwError;
      expect(err).toMatchObject({ code: "TW_CONFIG_INVALID", exitCode: 2 });
      expect(err.message).toContain(`"${topic}"`);
      expect(err.message).toContain("create_topic");
      expect(err.message).toMatch(/AUTHORIZATION_FAILED/);
    });

    test("writing to a topic without WRITE permission is fatal", async () => {
      const topic = randomTopic("tw-readonly");
      const a = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
      await a.connect();
      try {
        await a.createTopics({ topics: [{ topic }, { topic: `${topic}.labels` }] });
        // DESCRIBE only: alice sees the topics, and may not write to them.
        await a.createAcls({
          acl: [topic, `${topic}.labels`].map((name) => ({
            resourceType: 2, // TOPIC
            resourceName: name,
            resourcePatternType: 3, // LITERAL
            principal: "User:alice",
            host: "*",
            operation: 8, // DESCRIBE
            permissionType: 3, // ALLOW
          })),
        } as unknown as Parameters<typeof a.createAcls>[0]);
      } finally {
        await a.disconnect();
      }
      const sink = createKafkaSink({ client, topic, create_topic: false, ...alice() });
      await sink.start();
      await sink.write(makeEvents(10));
      const err = await sink.stopped;
      expect(err).toMatchObject({ code: "TW_CONFIG_INVALID", exitCode: 2 });
      expect(err.message).toContain(`topic "${topic}" refused the records (authorization)`);
      expect(err.message).toContain("TOPIC_AUTHORIZATION_FAILED");
      sink.destroy();
    });

    test("a wrong password is fatal (authentication)", async () => {
      const sink = createKafkaSink({ client, topic: randomTopic(), ...alice("wrong") });
      const err = (await sink.start().catch((e: unknown) => e)) as TwError;
      expect(err).toMatchObject({ code: "TW_CONFIG_INVALID", exitCode: 2 });
      expect(err.message).toContain("(authentication)");
    });
  });
});
