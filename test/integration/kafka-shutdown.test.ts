import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startDaemon as startRun, tempDir } from "../helpers/cli.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import { consumeWithKcat, multiset, randomTopic } from "../helpers/kafka-events.js";
import { sample, scrapeUntil } from "../helpers/metrics.js";

// A broker of its own: these tests kill it, and the other files share theirs.
let kafka: KafkaHarness;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir("tw-kafka-shutdown-");
  kafka = await startKafka({ dedicated: true });
});
afterAll(async () => {
  await kafka?.stop();
  tmp?.remove();
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

const EMITTED_KAFKA = 'tracewalk_events_emitted_total{sink="kafka"}';
const EMITTED_FILE = 'tracewalk_events_emitted_total{sink="file"}';
const BACKLOG_KAFKA = 'tracewalk_sink_backlog_events{sink="kafka"}';
const READY_KAFKA = 'tracewalk_sink_ready{sink="kafka"}';
const DRAIN_MS = 4000;

// Each client in turn on the same broker (kill and restart are per test, so not concurrent).
describe.each(["kafkajs", "platformatic"] as const)("shutdown with the broker gone (%s)", (client) => {
  test("emitted counts acknowledged events only, the backlog what waits; SIGTERM exits 3 counting exactly what was lost", async () => {
    const topic = randomTopic("tw-shutdown");
    const file = join(tmp.dir, `${client}.jsonl`);
    const config = join(tmp.dir, `${client}.yaml`);
    writeFileSync(
      config,
      [
        "clock: { speed: 120 }",
        `drain_timeout: ${DRAIN_MS / 1000}s`,
        "metrics: { port: 0 }",
        "log: { pretty: false }",
        "sinks:",
        "  - type: kafka",
        `    client: ${client}`,
        `    brokers: [${kafka.brokers.join(", ")}]`,
        `    topic: ${topic}`,
        "    create_topic: { partitions: 3 }",
        "    request_timeout_ms: 5000",
        "    connection_timeout_ms: 1000",
        "    retry: { initial_ms: 100, max_ms: 1000 }",
        "  - type: file",
        `    path: ${file}`,
        "",
      ].join("\n"),
    );
    const { run, base } = await startRun(["--config", config], children);
    await scrapeUntil(base, "events acknowledged", (t) => sample(t, EMITTED_KAFKA) > 2000, 60_000);
    await kafka.kill();
    const outage = await scrapeUntil(base, "the sink to notice", (t) => sample(t, READY_KAFKA) === 0, 60_000);
    const emittedAtOutage = sample(outage, EMITTED_KAFKA);
    const text = await scrapeUntil(
      base,
      "a backlog to build up",
      (t) => sample(t, BACKLOG_KAFKA) > 2000,
      60_000,
    );
    // Nothing is acknowledged while the broker is gone; the file sink went on delivering the same events.
    const emitted = sample(text, EMITTED_KAFKA);
    expect(emitted).toBe(emittedAtOutage);
    expect(emitted + sample(text, BACKLOG_KAFKA)).toBeGreaterThanOrEqual(sample(text, EMITTED_FILE));
    expect(sample(text, EMITTED_FILE)).toBeGreaterThan(emitted);

    const t0 = performance.now();
    run.child.kill("SIGTERM");
    const r = await run;
    const ms = performance.now() - t0;
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    expect(ms).toBeLessThan(DRAIN_MS + 3000);
    const line = r.stderr.split("\n").find((l) => /shutdown: \d+ events not delivered/.test(l));
    expect(line, r.stderr.slice(-2000)).toBeDefined();
    const undelivered = JSON.parse(line!).undelivered as Record<string, number>;
    const produced = lines(file);
    // What the run emitted is what Kafka acknowledged plus what it could not deliver, exactly.
    expect(undelivered).toEqual({ kafka: produced.length - emitted, file: 0 });

    await kafka.restart();
    const consumed = (await consumeWithKcat(kafka.brokers, topic)).map((m) => m.value);
    // Acknowledged events are on the topic; unacknowledged ones may be too (written, the ack lost).
    expect(consumed.length).toBeGreaterThanOrEqual(emitted);
    expect(consumed.length).toBeLessThanOrEqual(produced.length);
    const want = multiset(produced);
    for (const [value, n] of multiset(consumed)) expect(want.get(value) ?? 0).toBeGreaterThanOrEqual(n);
  }, 240_000);
});

describe("delivery_timeout with the broker gone mid-run", () => {
  test("the run ends within delivery_timeout after its duration, exit 3, counting exactly what was lost", async () => {
    const DELIVERY_MS = 5000;
    const topic = randomTopic("tw-delivery");
    const file = join(tmp.dir, "delivery.jsonl");
    const config = join(tmp.dir, "delivery.yaml");
    writeFileSync(
      config,
      [
        // 20 virtual minutes at speed 120: 10 s of wall time.
        "clock: { speed: 120, duration: 20m }",
        `delivery_timeout: ${DELIVERY_MS / 1000}s`,
        "drain_timeout: 10m", // no signal here: only delivery_timeout may end the wait
        "metrics: { port: 0 }",
        "log: { pretty: false }",
        "sinks:",
        "  - type: kafka",
        "    client: platformatic",
        `    brokers: [${kafka.brokers.join(", ")}]`,
        `    topic: ${topic}`,
        "    create_topic: { partitions: 3 }",
        "    request_timeout_ms: 5000",
        "    connection_timeout_ms: 1000",
        "    retry: { initial_ms: 100, max_ms: 1000 }",
        "  - type: file",
        `    path: ${file}`,
        "",
      ].join("\n"),
    );
    const t0 = performance.now();
    const { run, base } = await startRun(["--config", config], children);
    await scrapeUntil(base, "events acknowledged", (t) => sample(t, EMITTED_KAFKA) > 500, 60_000);
    await kafka.kill();
    const outage = await scrapeUntil(base, "the sink to notice", (t) => sample(t, READY_KAFKA) === 0, 60_000);
    const emitted = sample(outage, EMITTED_KAFKA);
    const r = await run;
    const ms = performance.now() - t0;
    await kafka.restart();
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    // The duration's 10 s, then at most delivery_timeout; a few seconds for startup and the exit.
    expect(ms).toBeLessThan(10_000 + DELIVERY_MS + 5000);
    expect(r.stderr).toMatch(/delivery_timeout: \d+ events accepted and not delivered within it/);
    const line = r.stderr.split("\n").find((l) => /shutdown: \d+ events not delivered/.test(l));
    expect(line, r.stderr.slice(-2000)).toBeDefined();
    const undelivered = JSON.parse(line!).undelivered as Record<string, number>;
    // What the run emitted is what Kafka acknowledged before the outage plus what was lost, exactly.
    expect(undelivered).toEqual({ kafka: lines(file).length - emitted, file: 0 });
    expect(undelivered.kafka).toBeGreaterThan(0);
  }, 120_000);
});
