#!/usr/bin/env node
// bench/kafka-sink-path: CPU per event of the Kafka sink's own path (encoding each event, batching, the
// handover to the producer thread), with the producer thread running the test fixture's fake library
// (no broker, no network): what the run's thread and the handover cost per event. Each round runs this
// checkout's build, then --root's (another checkout, built), each in a process of its own, and the
// ratio of the best rounds is printed.
// Usage: node bench/kafka-sink-path.mjs [--root DIR] [--users 15000] [--rounds 5]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generatedLines } from "./generated-lines.mjs";

const { values } = parseArgs({
  options: {
    root: { type: "string" },
    users: { type: "string", default: "15000" },
    rounds: { type: "string", default: "5" },
    child: { type: "string" },
    events: { type: "string" },
  },
});
const here = new URL("..", import.meta.url).pathname;
const fake = new URL("../test/fixtures/kafka/fake-client.mjs", import.meta.url).href;
const options = {
  brokers: ["127.0.0.1:1"],
  clientId: "tw-bench-sink-path",
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  retry: { initialMs: 10, maxMs: 100, retries: 1 },
  acks: -1,
  idempotent: true,
  compression: "none",
  maxInFlight: 5,
};

async function load(root) {
  const { createKafkaSink } = await import(join(root, "dist/sinks/kafka.js"));
  const { createThreadedClient, producerWorkerUrl } = await import(join(root, "dist/kafka/threaded.js"));
  return { createKafkaSink, createThreadedClient, script: producerWorkerUrl() };
}

/** CPU µs per event (this process: the run's thread and the producer thread) of one pass. */
async function pass(build, events) {
  const client = build.createThreadedClient("platformatic", options, build.script, fake);
  const sink = build.createKafkaSink(
    {
      brokers: ["127.0.0.1:1"],
      topic: "t",
      linger_ms: 0,
      batch_size: 2000,
      create_topic: false,
      key: "session_id",
    },
    {},
    () => client,
  );
  await sink.start();
  const cpu = process.cpuUsage();
  for (let i = 0; i < events.length; i += 4096) await sink.write(events.slice(i, i + 4096));
  await sink.close();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / events.length;
}

if (values.child !== undefined) {
  // One build, in this process: a pass to warm up, then the best of three.
  const build = await load(values.child);
  const events = readFileSync(values.events, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    const us = await pass(build, events);
    if (i > 0) best = Math.min(best, us);
  }
  console.log(String(best));
} else {
  const dir = mkdtempSync(join(tmpdir(), "tw-bench-sink-path-"));
  try {
    const file = join(dir, "events.jsonl");
    const lines = generatedLines(Number(values.users));
    writeFileSync(file, `${lines.join("\n")}\n`);
    const roots = [here, ...(values.root ? [values.root] : [])];
    const best = roots.map(() => Number.POSITIVE_INFINITY);
    const self = new URL(import.meta.url).pathname;
    for (let r = 0; r < Number(values.rounds); r++) {
      const line = [];
      for (let b = 0; b < roots.length; b++) {
        const run = spawnSync(process.execPath, [self, "--child", roots[b], "--events", file], {
          encoding: "utf8",
        });
        if (run.status !== 0) throw new Error(`${roots[b]}: exited ${run.status}: ${run.stderr}`);
        const us = Number(run.stdout.trim());
        best[b] = Math.min(best[b], us);
        line.push(us.toFixed(3));
      }
      console.log(`round ${r + 1}: ${line.join(" / ")} µs CPU per event`);
    }
    for (let b = 0; b < roots.length; b++) {
      const name = b === 0 ? "this checkout" : roots[b];
      console.log(
        `${name}: ${best[b].toFixed(3)} µs CPU per event, best of ${values.rounds} rounds (${lines.length} events)`,
      );
    }
    if (roots.length === 2)
      console.log(`ratio this checkout / ${values.root}: ${(best[0] / best[1]).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
