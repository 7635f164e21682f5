import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { createKafkaSink } from "../../src/sinks/kafka.js";
import { waitFor } from "../helpers/cli.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import {
  consumeWithKafkajs,
  consumeWithKcat,
  makeEvents,
  multiset,
  randomTopic,
} from "../helpers/kafka-events.js";

// A broker of its own: this test kills it, and the other files share theirs.
let kafka: KafkaHarness;
beforeAll(async () => {
  kafka = await startKafka({ dedicated: true });
});
afterAll(async () => {
  await kafka?.stop();
});

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

// Each client in turn on the same broker (kill and restart are per test, so not concurrent).
describe.each(["kafkajs", "platformatic"] as const)("kafka sink on %s", (client) => {
  test("a broker killed (kill -9) and restarted mid-run loses and duplicates nothing", async () => {
    const topic = randomTopic();
    const events = makeEvents(60_000, 400);
    let delivered = 0;
    let errors = 0;
    let retries = 0;
    const sink = createKafkaSink(
      {
        client,
        brokers: kafka.brokers,
        topic,
        create_topic: { partitions: 4 },
        batch_size: 1000,
        linger_ms: 2,
        request_timeout_ms: 5000,
        connection_timeout_ms: 1000,
        retry: { initial_ms: 100, max_ms: 1000, retries: 2 },
      },
      {
        onDelivered: (n) => (delivered += n),
        onError: () => errors++,
        onRetry: () => retries++,
      },
    );
    await sink.start();

    // The writer keeps writing through the outage: backpressure holds it while the broker is away.
    const writer = (async () => {
      for (let i = 0; i < events.length; i += 500) {
        await sink.write(events.slice(i, i + 500));
        await sleep(5);
      }
    })();

    await waitFor("10,000 events delivered", () => delivered >= 10_000, 60_000);
    await kafka.kill();
    const deliveredAtKill = delivered;
    // The outage is seen (a failed send, not ready) before the broker comes back.
    await waitFor("the sink to notice the broker is gone", () => !sink.ready && errors > 0, 60_000);
    await kafka.restart();
    await writer;
    await sink.close();

    expect(delivered).toBe(events.length);
    expect(deliveredAtKill).toBeLessThan(events.length);
    expect(errors).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);

    const want = multiset(events.map((e: TraceEvent) => e.event_id));
    const viaKafkajs = await consumeWithKafkajs(kafka.brokers, topic, events.length, 60_000);
    expect(multiset(viaKafkajs.map((r) => (JSON.parse(r.value) as TraceEvent).event_id))).toEqual(want);
    const viaKcat = await consumeWithKcat(kafka.brokers, topic);
    expect(viaKcat).toHaveLength(events.length);
    expect(multiset(viaKcat.map((r) => (JSON.parse(r.value) as TraceEvent).event_id))).toEqual(want);
  }, 240_000);
});
