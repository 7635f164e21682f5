// Network faults between tracewalk and Kafka: a dedicated broker behind a real Toxiproxy proxy (the
// broker advertises the proxy's address, so the client bootstraps through it and stays on it). While a
// daemon runs with a file sink and a Kafka sink, the proxy slows, resets, holds, refuses and throttles
// its traffic in turn; at the end the topic must hold exactly the file's events: none lost, none twice.
// Set KAFKA_BROKERS to anything to keep the kafka project's shared broker from starting when this file
// runs alone: it uses only its own.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import { tempDir } from "../helpers/cli.js";
import { freePort } from "../helpers/http-target.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import { consumeWithKcat, multiset, randomTopic } from "../helpers/kafka-events.js";
import { startToxiproxy, type Toxiproxy } from "../helpers/toxiproxy.js";

const PROXY = "kafka";
const tmp = tempDir("tw-kafkafaults-");
let toxi: Toxiproxy;
let kafka: KafkaHarness;
/** The proxy's `host:port`: what the broker advertises and what tracewalk bootstraps from. */
let viaProxy: string;

beforeAll(async () => {
  toxi = await startToxiproxy();
  kafka = await startKafka({
    dedicated: true,
    advertise: async (brokerPort) => {
      const listen = `127.0.0.1:${await freePort()}`;
      await toxi.proxy(PROXY, `127.0.0.1:${brokerPort}`, listen);
      viaProxy = listen;
      return listen;
    },
  });
}, 180_000);
afterAll(async () => {
  await kafka?.stop();
  await toxi?.stop();
  tmp.remove();
});

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Each fault in turn, `ms` long, with healthy gaps between them; resolves once the last is gone. */
async function faults(): Promise<string[]> {
  const done: string[] = [];
  const toxic = async (name: string, ms: number, t: Parameters<Toxiproxy["addToxic"]>[1]) => {
    await toxi.addToxic(PROXY, t);
    await sleep(ms);
    await toxi.removeToxic(PROXY, t.name);
    done.push(name);
    await sleep(500);
  };
  await sleep(1000);
  await toxic("latency", 1500, { name: "lat", type: "latency", attributes: { latency: 400 } });
  await toxic("reset_peer", 1000, { name: "rst", type: "reset_peer", attributes: { timeout: 0 } });
  // Every byte held: requests time out on the client and are re-sent on a new connection.
  await toxic("timeout", 2000, { name: "hold", type: "timeout", attributes: { timeout: 0 } });
  await toxi.setEnabled(PROXY, false);
  await sleep(1500);
  await toxi.setEnabled(PROXY, true);
  done.push("down");
  await sleep(500);
  // 32 KB/s towards the broker: produce requests trickle.
  await toxic("bandwidth", 1500, {
    name: "bw",
    type: "bandwidth",
    stream: "upstream",
    attributes: { rate: 32 },
  });
  return done;
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

describe.each(["kafkajs", "platformatic"] as const)("faults between tracewalk and Kafka on %s", (client) => {
  test("latency, reset_peer, timeout, down, bandwidth: the topic equals the file, nothing lost or twice", async () => {
    const topic = randomTopic(`tw-faults-${client}`);
    const file = join(tmp.dir, `${client}.jsonl`);
    const config = await loadConfig({
      env: {},
      flags: {
        speed: "60",
        duration: "15m",
        seed: "7",
        set: [
          "metrics.enabled=false",
          `sinks=[{type: file, path: ${file}}, {type: kafka, client: ${client}, brokers: ["${viaProxy}"], topic: ${topic}, request_timeout_ms: 1500, connection_timeout_ms: 1000, retry: {initial_ms: 100, max_ms: 1000}}]`,
        ],
      },
    });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const daemon = await createDaemon(config, pino({ level: "warn" }, quiet));
    let faultsOver = 0;
    const [, done] = await Promise.all([
      daemon.run(),
      faults().then((d) => {
        faultsOver = Date.now();
        return d;
      }),
    ]);
    const runOver = Date.now();
    const metrics = await daemon.registry.metrics();
    const undelivered = await daemon.close();
    expect(done).toEqual(["latency", "reset_peer", "timeout", "down", "bandwidth"]);
    // Every fault came and went while the run was still producing (15 virtual minutes at speed 60).
    expect(runOver).toBeGreaterThan(faultsOver);
    expect(
      Object.values(undelivered).every((n) => n === 0),
      JSON.stringify(undelivered),
    ).toBe(true);
    expect(await toxi.toxics(PROXY)).toEqual([]);
    // The faults were felt: the sink saw failed requests and re-sent them.
    const errors = /^tracewalk_sink_errors_total\{sink="kafka"\} (\d+)/m.exec(metrics);
    const sinkLines = metrics.split("\n").filter((l) => l.startsWith("tracewalk_sink_"));
    expect(Number(errors?.[1] ?? 0), sinkLines.join("\n")).toBeGreaterThan(0);

    const produced = lines(file);
    expect(produced.length).toBeGreaterThan(1000);
    // kcat reads every partition to its end: a copy beyond the file's count would show.
    const consumed = await consumeWithKcat(kafka.brokers, topic);
    expect(consumed.length).toBe(produced.length);
    expect(multiset(consumed.map((m) => m.value))).toEqual(multiset(produced));
  }, 120_000);
});
