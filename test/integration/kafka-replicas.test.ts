import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, inject, test } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import { consumeWithKafkajs, multiset, randomTopic } from "../helpers/kafka-events.js";

// Scale-out as deployed: N replicas of one config (the Compose stack's), each `--shard auto/N` with its
// StatefulSet host name, produce into one topic of a real broker; the topic then holds exactly the
// events one unsharded process writes.

const CONFIG = new URL("../../deploy/compose/tracewalk.yaml", import.meta.url).pathname;
const N = 3;

const tmp = tempDir("tw-kafka-replicas-");
afterAll(() => tmp.remove());

const common = ["--config", CONFIG, "--speed", "max", "--duration", "3m", "--metrics-addr", "127.0.0.1:0"];

describe("N replicas with --shard auto/N into one Kafka topic", () => {
  const brokers = inject("kafkaBrokers");

  test("the topic holds exactly one process's events", async () => {
    const topic = randomTopic("tw-replicas");
    const env = { TRACEWALK_KAFKA_BROKERS: brokers.join(","), POD_INDEX: "", JOB_COMPLETION_INDEX: "" };
    const replicas = Array.from({ length: N }, (_, k) =>
      runCli(["run", ...common, "--shard", `auto/${N}`, "--set", `sinks.0.topic=${topic}`], {
        env: { ...env, HOSTNAME: `tracewalk-${k}` },
      }),
    );
    const whole = join(tmp.dir, "whole.jsonl");
    const one = runCli(["run", ...common, "--out", whole], { env });
    for (const r of await Promise.all([...replicas, one])) expect(r.code, r.stderr).toBe(0);
    const expected = readFileSync(whole, "utf8").split("\n").filter(Boolean);
    expect(expected.length).toBeGreaterThan(1000);
    const consumed = await consumeWithKafkajs(brokers, topic, expected.length);
    expect(multiset(consumed.map((m) => m.value))).toEqual(multiset(expected));
  });
});
