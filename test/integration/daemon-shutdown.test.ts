import type { ChildProcess } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import { startDaemon as startRun, tempDir, waitFor } from "../helpers/cli.js";
import { sample, scrapeUntil } from "../helpers/metrics.js";

const tmp = tempDir("tw-shutdown-");
afterAll(() => tmp.remove());

// A daemon left by a failed test is killed, so no process outlives the suite.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Port 1 on loopback: nothing listens there, so a Kafka sink never connects (a broker away from the start). */
const AWAY = "127.0.0.1:1";

function lines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Writes a config file and starts `tracewalk run` on it; resolves once the metrics server answers. */
async function startDaemon(name: string, yaml: string[]) {
  const config = join(tmp.dir, `${name}.yaml`);
  writeFileSync(config, [...yaml, "metrics: { port: 0 }", "log: { pretty: false }", ""].join("\n"));
  const { run, base, log } = await startRun(["--config", config], children);
  /** Sends a signal; resolves the exit and the wall milliseconds from the signal to it. */
  const signal = async (sig: NodeJS.Signals) => {
    const t0 = performance.now();
    run.child.kill(sig);
    const r = await run;
    return { ...r, ms: performance.now() - t0 };
  };
  return { run, base, signal, log };
}

/** The log record whose message matches, parsed. */
function logRecord(log: string, msg: RegExp): Record<string, unknown> | undefined {
  const line = log.split("\n").find((l) => msg.test(l));
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
}

function kafkaSink(client: string): string[] {
  return [
    "  - type: kafka",
    `    client: ${client}`,
    `    brokers: [${AWAY}]`,
    "    topic: away",
    "    retry: { initial_ms: 100, max_ms: 1000 }",
  ];
}

describe.each(["kafkajs", "platformatic"] as const)("a Kafka broker away from the start (%s)", (client) => {
  it("emitted stays 0 and the backlog shows the buffered events; SIGTERM exits within drain_timeout, 3, counting what was lost", async () => {
    const file = join(tmp.dir, `away-${client}.jsonl`);
    const { base, signal } = await startDaemon(`away-${client}`, [
      "clock: { speed: 60 }",
      "drain_timeout: 3s",
      "sinks:",
      ...kafkaSink(client),
      "  - type: file",
      `    path: ${file}`,
    ]);
    const text = await scrapeUntil(
      base,
      "events written to the file and held by the Kafka sink",
      (t) => sample(t, 'tracewalk_events_emitted_total{sink="file"}') > 500,
    );
    expect(sample(text, 'tracewalk_events_emitted_total{sink="kafka"}')).toBe(0);
    // Both sinks got the same batches: the Kafka sink holds at least what the file has written.
    expect(sample(text, 'tracewalk_sink_backlog_events{sink="kafka"}')).toBeGreaterThanOrEqual(
      sample(text, 'tracewalk_events_emitted_total{sink="file"}'),
    );

    const r = await signal("SIGTERM");
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    // The bound is drain_timeout (3 s); a few seconds more for the process to exit.
    expect(r.ms).toBeLessThan(3000 + 3000);
    const lost = logRecord(r.stderr, /shutdown: \d+ events not delivered/);
    expect(lost, r.stderr.slice(-2000)).toBeDefined();
    const undelivered = lost!.undelivered as Record<string, number>;
    // Every event the run emitted reached the file and none reached the broker.
    expect(undelivered).toEqual({ kafka: lines(file).length, file: 0 });
    expect(lost!.msg).toBe(`shutdown: ${lines(file).length} events not delivered`);
    expect(undelivered.kafka).toBeGreaterThan(500);
  });
});

describe("delivery_timeout", () => {
  it("a run whose broker never answers ends within delivery_timeout after its duration, exit 3, the loss counted", async () => {
    const file = join(tmp.dir, "delivery-timeout.jsonl");
    // 3 virtual minutes at speed 60: 3 s of wall time; the broker never answers.
    const t0 = performance.now();
    const { run } = await startDaemon("delivery-timeout", [
      "clock: { speed: 60, duration: 3m }",
      "delivery_timeout: 2s",
      "drain_timeout: 10m",
      "sinks:",
      ...kafkaSink("platformatic"),
      "  - type: file",
      `    path: ${file}`,
    ]);
    const r = await run;
    const ms = performance.now() - t0;
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    // Within the duration (3 s) and delivery_timeout (2 s) of its start, a few seconds more for startup and exit.
    expect(ms).toBeLessThan(3000 + 2000 + 4000);
    const expired = logRecord(r.stderr, /^.*delivery_timeout: \d+ events accepted and not delivered/);
    expect(expired, r.stderr.slice(-2000)).toBeDefined();
    const lost = logRecord(r.stderr, /shutdown: \d+ events not delivered/);
    expect(lost, r.stderr.slice(-2000)).toBeDefined();
    // Every event the run emitted reached the file and none reached the broker: all counted as lost.
    expect(lost!.undelivered).toEqual({ kafka: lines(file).length, file: 0 });
    expect(lines(file).length).toBeGreaterThan(0);
  });
});

describe("bounded shutdown", () => {
  it("a second signal logs what is still undelivered, per sink, and exits at once", async () => {
    const { log, signal, run } = await startDaemon("twice", [
      "clock: { speed: 60 }",
      "drain_timeout: 10m",
      "sinks:",
      ...kafkaSink("platformatic"),
    ]);
    await waitFor("a Kafka error (the broker is away)", () => log().includes("kafka error; will retry"));
    run.child.kill("SIGTERM");
    await waitFor("the drain to begin", () => log().includes("draining sessions in flight"));
    const r = await signal("SIGTERM");
    expect(r.code).toBe(143);
    const record = logRecord(r.stderr, /second signal: exiting now; \d+ events not delivered/);
    expect(record, r.stderr.slice(-2000)).toBeDefined();
    const undelivered = record!.undelivered as Record<string, number>;
    expect(undelivered.kafka).toBeGreaterThan(0);
    expect(record!.msg).toBe(`second signal: exiting now; ${undelivered.kafka} events not delivered`);
  });

  it("a real-time run with the defaults stops within 10 s of SIGTERM, and every cascade_id has its label", async () => {
    const file = join(tmp.dir, "realtime.jsonl");
    // Real time and the default drain_timeout; many arrivals and cascades, so that cascaded sessions
    // are in flight (sessions last minutes at speed 1) when the drain cuts them.
    const { signal } = await startDaemon("realtime", [
      "clock: { speed: 1 }",
      "load: { arrival_rate: 20 }",
      "generation: { cascade_rate: 0.5 }",
      "sinks:",
      "  - type: file",
      `    path: ${file}`,
    ]);
    await waitFor(
      "cascaded calls in the file",
      () => size(file) > 0 && readFileSync(file, "utf8").includes('"cascade_id":"'),
    );
    const r = await signal("SIGTERM");
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    // The contract: a stop fits inside `docker stop`'s 10 s grace period, flush included.
    expect(r.ms).toBeLessThan(10_000);
    const cut = logRecord(r.stderr, /sessions cut; writing their labels/);
    expect(cut, r.stderr.slice(-2000)).toBeDefined();
    expect(cut!.sessions_cut as number).toBeGreaterThan(0);

    const events = lines(file).map((l) => JSON.parse(l) as TraceEvent);
    const labels = new Map(
      lines(join(tmp.dir, "realtime.labels.jsonl")).map((l) => {
        const label = JSON.parse(l) as CascadeLabel;
        return [label.cascade_id, label];
      }),
    );
    const cascaded = events.filter((e) => e.cascade_id !== null);
    expect(cascaded.length).toBeGreaterThan(0);
    for (const e of cascaded) {
      const label = labels.get(e.cascade_id!);
      expect(label, `label of ${e.cascade_id}`).toBeDefined();
      // The window holds every call it touched.
      expect(Date.parse(label!.start)).toBeLessThanOrEqual(Date.parse(e.timestamp));
      expect(Date.parse(label!.end)).toBeGreaterThanOrEqual(Date.parse(e.timestamp));
    }
  });
});
