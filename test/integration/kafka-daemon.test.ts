import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { runCli, tempDir, waitFor } from "../helpers/cli.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import {
  type ConsumedRecord,
  consumeWithKafkajs,
  consumeWithKcat,
  multiset,
  randomTopic,
} from "../helpers/kafka-events.js";

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir("tw-kafka-daemon-");
});
afterAll(() => tmp.remove());

/** A config with a Kafka sink and a file sink: the file is what the daemon counted as produced. */
function writeConfig(
  name: string,
  brokers: string[],
  topic: string,
  extra = "",
): { config: string; file: string } {
  const file = join(tmp.dir, `${name}.jsonl`);
  const config = join(tmp.dir, `${name}.yaml`);
  writeFileSync(
    config,
    `seed: 11
generation: { cascade_rate: 0.2 }
metrics: { port: 0 }
log: { level: info, pretty: false }
sinks:
  - type: kafka
    brokers: [${brokers.join(", ")}]
    topic: ${topic}
    create_topic: { partitions: 3 }
${extra}
  - type: file
    path: ${file}
`,
  );
  return { config, file };
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

/** Within each partition, in offset order, every session's call_index runs 0, 1, 2, … and the key is the session. */
function checkSessionOrder(records: ConsumedRecord[]): void {
  const lastIndex = new Map<string, number>();
  const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of sorted) {
    const e = JSON.parse(r.value) as TraceEvent;
    expect(r.key).toBe(e.session_id);
    expect(e.call_index, `order of ${e.session_id}`).toBe((lastIndex.get(e.session_id) ?? -1) + 1);
    lastIndex.set(e.session_id, e.call_index);
  }
}

describe("tracewalk run into a real Kafka broker", () => {
  const brokers = inject("kafkaBrokers");

  test("events produced equal events consumed (kafkajs and kcat), in session order, and pass verify", async () => {
    const topic = randomTopic("tw-daemon");
    const { config, file } = writeConfig("e2e", brokers, topic);
    const r = await runCli(["run", "--config", config, "--speed", "max", "--duration", "15m"]);
    expect(r.code, r.stderr).toBe(0);
    const produced = lines(file);
    expect(produced.length).toBeGreaterThan(5000);

    const viaKafkajs = await consumeWithKafkajs(brokers, topic, produced.length);
    expect(multiset(viaKafkajs.map((m) => m.value))).toEqual(multiset(produced));
    checkSessionOrder(viaKafkajs);
    expect(viaKafkajs[0]!.headers).toMatchObject({ workflow: "ecommerce", schema_version: "1" });

    const viaKcat = await consumeWithKcat(brokers, topic);
    expect(multiset(viaKcat.map((m) => m.value))).toEqual(multiset(produced));

    const labels = await consumeWithKcat(brokers, `${topic}.labels`);
    expect(multiset(labels.map((m) => m.value))).toEqual(
      multiset(lines(file.replace(/\.jsonl$/, ".labels.jsonl"))),
    );
    expect(labels.length).toBeGreaterThan(0);

    // The consumed stream, in Kafka's order, carries the workflow.
    const verify = await runCli(["verify", "--workflow", "ecommerce", "--input", "-"], {
      input: `${viaKcat.map((m) => m.value).join("\n")}\n`,
    });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  test("a kafka sink with a bad option is rejected with exit 2 and its path", async () => {
    const { config } = writeConfig("bad", brokers, "t", "    acks: some\n");
    const r = await runCli(["run", "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sinks[0].acks");
  });
});

describe("a broker that goes away mid-run", () => {
  let kafka: KafkaHarness;
  beforeAll(async () => {
    kafka = await startKafka({ dedicated: true });
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  test("the daemon stays up, is not ready while it is away, and loses and duplicates nothing", async () => {
    const topic = randomTopic("tw-restart");
    const { config, file } = writeConfig(
      "restart",
      kafka.brokers,
      topic,
      "    request_timeout_ms: 5000\n    connection_timeout_ms: 1000\n    retry: { initial_ms: 100, max_ms: 1000 }",
    );
    // 40 virtual minutes at 120x: about 20 s of wall time, long enough to kill and restart the broker.
    const run = runCli(["run", "--config", config, "--speed", "120", "--duration", "40m"]);
    let stderr = "";
    run.child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor("the metrics address", () => /metrics on http:\/\/[^/]+\/metrics/.test(stderr));
    const base = /metrics on (http:\/\/[^/]+)\/metrics/.exec(stderr)![1]!;
    const status = async (path: string) => (await fetch(`${base}${path}`)).status;
    const sinkErrors = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/^tracewalk_sink_errors_total\{sink="kafka"\} (\S+)$/m.exec(text)?.[1] ?? 0);
    };
    let ready = 0;
    await waitFor("events produced", () => {
      void status("/readyz").then((s) => {
        ready = s;
      });
      try {
        return ready === 200 && lines(file).length > 2000;
      } catch {
        return false;
      }
    });

    await kafka.kill();
    let readyz = 200;
    await waitFor("/readyz to say not ready", () => {
      void status("/readyz").then((s) => {
        readyz = s;
      });
      return readyz === 503;
    });
    expect(await status("/healthz")).toBe(200);
    expect(await sinkErrors()).toBeGreaterThan(0);
    await kafka.restart();
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(stderr).toContain("kafka error; will retry");

    const produced = lines(file);
    const consumed = await consumeWithKcat(kafka.brokers, topic);
    expect(consumed.length).toBe(produced.length);
    expect(multiset(consumed.map((m) => m.value))).toEqual(multiset(produced));
  });
});
