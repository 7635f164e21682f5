import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/daemon/clock.js";
import { Deadline } from "../../src/daemon/deadline.js";
import { createLogger } from "../../src/daemon/log.js";
import { Metrics } from "../../src/daemon/metrics.js";
import { createSink, SinkSet } from "../../src/daemon/sinks.js";
import type { CascadeLabel } from "../../src/event/index.js";
import { ParquetFileSink } from "../../src/sinks/parquet.js";
import { StdoutSink } from "../../src/sinks/stdout.js";
import { tempDir, waitFor } from "../helpers/cli.js";
import { makeEvents } from "../helpers/kafka-events.js";
import { EFFECTS } from "../helpers/labels.js";
import { sample } from "../helpers/metrics.js";

const tmp = tempDir("tw-sinkset-");
afterAll(() => tmp.remove());

const log = createLogger("silent", false);

/** Port 1 on loopback: nothing listens there, so the Kafka sink never connects (a broker away). */
const AWAY = ["127.0.0.1:1"];

const label: CascadeLabel = {
  cascade_id: "cascade-x",
  name: "session-cascade",
  start: "2026-01-01T00:00:00.000Z",
  end: "2026-01-01T00:00:01.000Z",
  scope: {},
  effects: EFFECTS,
};

async function setUp(name: string, client: "kafkajs" | "platformatic", maxBuffered = 100_000) {
  const path = join(tmp.dir, `${name}.jsonl`);
  const metrics = new Metrics(
    new Registry(),
    { sinks: ["file", "kafka"], workflows: [] },
    { defaultMetrics: false },
  );
  const configs = [
    { type: "file", name: "file", path, labels_path: join(tmp.dir, `${name}.labels.jsonl`) },
    {
      type: "kafka",
      name: "kafka",
      client,
      brokers: AWAY,
      topic: "t",
      labels_topic: "t.labels",
      max_buffered_events: maxBuffered,
      retry: { initial_ms: 50, max_ms: 200 },
    },
  ] as const;
  const sinks: SinkSet = new SinkSet(
    await Promise.all(
      configs.map(async (c) => ({
        name: c.name,
        sink: await createSink(c as never, { metrics, log, delivered: () => sinks.observeSink(c.name) }),
      })),
    ),
    metrics,
  );
  return { sinks, metrics, path };
}

describe.each(["kafkajs", "platformatic"] as const)("SinkSet with a broker away (%s)", (client) => {
  it("counts delivered per sink, shows the backlog, and at the deadline destroys and counts what is left", async () => {
    const { sinks, metrics, path } = await setUp(`away-${client}`, client);
    await sinks.start();
    const events = makeEvents(3000);
    for (let i = 0; i < events.length; i += 1000) await sinks.write(events.slice(i, i + 1000));
    // The file's last write may still be in flight when write resolves: it is delivered once done.
    await waitFor("the file's last write", () => sinks.undelivered().file === 0, 10_000);
    let text = await metrics.registry.metrics();
    expect(sample(text, 'tracewalk_events_emitted_total{sink="file"}')).toBe(3000);
    expect(sample(text, 'tracewalk_events_emitted_total{sink="kafka"}')).toBe(0);
    expect(sample(text, 'tracewalk_sink_backlog_events{sink="kafka"}')).toBe(3000);
    expect(sinks.undelivered()).toEqual({ file: 0, kafka: 3000 });

    const deadline = new Deadline(systemClock);
    deadline.set(300);
    const undelivered = await sinks.close([label], deadline);
    deadline.dispose();
    expect(undelivered).toEqual({ file: 0, kafka: 3000 });
    text = await metrics.registry.metrics();
    expect(sample(text, 'tracewalk_events_undelivered_total{sink="kafka"}')).toBe(3000);
    expect(sample(text, 'tracewalk_events_undelivered_total{sink="file"}')).toBe(0);
    expect(sample(text, 'tracewalk_events_emitted_total{sink="file"}')).toBe(3000);
    // The file sink flushed in time (the Kafka sink's wait did not hold it), labels included.
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(3000);
    expect(JSON.parse(readFileSync(path.replace(".jsonl", ".labels.jsonl"), "utf8"))).toEqual(label);
  });

  it("close destroys at once a sink delivery_timeout gave up on, while the others flush all they hold", async () => {
    const { sinks, path } = await setUp(`doomed-${client}`, client);
    await sinks.start();
    await sinks.write(makeEvents(3000));
    // No wait for the file's writes: what it holds when the run is given up is still its to flush.
    const deadline = new Deadline(systemClock);
    deadline.set(120_000); // the grace of the sinks that kept up; a wait on Kafka would outlast the test
    const undelivered = await sinks.close([label], deadline, new Set(["kafka"]));
    deadline.dispose();
    expect(undelivered).toEqual({ file: 0, kafka: 3000 });
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(3000);
  }, 30_000);

  it("release() lets a write held back by backpressure return; the batch stays in the backlog", async () => {
    const { sinks } = await setUp(`held-${client}`, client, 500);
    await sinks.start();
    let returned = false;
    const write = sinks.write(makeEvents(1200)).then(() => {
      returned = true;
    });
    await new Promise((wake) => setImmediate(wake));
    expect(returned).toBe(false);
    sinks.release();
    await write;
    await waitFor("the file's write", () => sinks.undelivered().file === 0, 10_000);
    expect(sinks.undelivered()).toEqual({ file: 0, kafka: 1200 });
    sinks.destroy();
  });
});

it("without a deadline, close waits for delivery and reports nothing lost", async () => {
  const path = join(tmp.dir, "plain.jsonl");
  const sinks = new SinkSet(
    [
      {
        name: "file",
        sink: await createSink(
          { type: "file", name: "file", path, labels_path: `${path}.l` },
          { metrics: null, log },
        ),
      },
    ],
    null,
  );
  await sinks.start();
  await sinks.write(makeEvents(100));
  const deadline = new Deadline(systemClock);
  expect(await sinks.close([], deadline)).toEqual({ file: 0 });
  expect(deadline.isSet).toBe(false);
});

describe("backlog of the file-like sinks", () => {
  it("parquet: rows wait in the row group until it is written; destroy keeps the count dropped", async () => {
    const sink = new ParquetFileSink({ path: join(tmp.dir, "b.parquet"), row_group_size: 1000 });
    await sink.start();
    await sink.write(makeEvents(2500));
    expect(sink.backlog).toBe(500);
    await sink.close();
    expect(sink.backlog).toBe(0);
    const dropped = new ParquetFileSink({ path: join(tmp.dir, "d.parquet"), row_group_size: 1000 });
    await dropped.start();
    await dropped.write(makeEvents(300));
    dropped.destroy();
    expect(dropped.backlog).toBe(300);
  });

  it("stdout: a write held by a full pipe counts until the reader takes it", async () => {
    let take: (() => void) | undefined;
    // A pipe whose reader takes nothing until told: write() reports it full after the first chunk.
    const pipe = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        take = done;
      },
    });
    const sink = new StdoutSink(pipe as unknown as NodeJS.WriteStream);
    await sink.start();
    let written = false;
    const write = sink.write(makeEvents(100)).then(() => {
      written = true;
    });
    await waitFor("the write to reach the pipe", () => take !== undefined, 10_000);
    expect(written).toBe(false);
    expect(sink.backlog).toBe(100);
    take!();
    await write;
    expect(sink.backlog).toBe(0);
  });
});
