#!/usr/bin/env node
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generatedLines } from "./generated-lines.mjs";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "150" },
    "batch-size": { type: "string", default: "2000" },
    root: { type: "string" },
  },
});
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error("set KAFKA_BROKERS");
const here = new URL("..", import.meta.url).pathname;
const root = values.root ?? here;
const { createPlatformaticClient } = await import(join(root, "dist/kafka/platformatic.js"));
// The handover as the sink and the producer thread do it: packed, then read as views (`packed.ts`); a
// build from before packed.ts (--root) has it as encodeBatch/decodeBatch.
const handover = await import(join(root, "dist/kafka/packed.js")).then(
  (p) => (records, headersOf) => p.unpackRecords(p.packRecords(records), headersOf),
  async () => {
    const { encodeBatch, decodeBatch } = await import(join(root, "dist/kafka/thread-protocol.js"));
    return (records, headersOf) => decodeBatch(encodeBatch(0, "t", records), headersOf);
  },
);

const lines = generatedLines();
// As the sink makes them: the value is the line's bytes, the key the session, headers per workflow.
const headerSets = new Map();
const records = lines.map((line) => {
  const e = JSON.parse(line);
  let headers = headerSets.get(e.workflow);
  if (!headers) {
    headers = { workflow: e.workflow, schema_version: "1", "content-type": "application/json" };
    headerSets.set(e.workflow, headers);
  }
  return { key: e.session_id, value: Buffer.from(line), headers };
});

const size = Number(values["batch-size"]);
const count = Number(values.batches);
const client = createPlatformaticClient({
  brokers: [brokers],
  clientId: "tw-bench-kp",
  acks: -1,
  idempotent: true,
  compression: "none",
  maxInFlight: 5,
  connectionTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  retry: { initialMs: 100, maxMs: 1000, retries: 5 },
});
const topic = `tw-bench-kp-${Date.now()}-${process.pid}`;
await client.connect();
await client.createTopics([{ topic, partitions: 3, replicationFactor: -1 }]);
const frozen = new Map();
const headersOf = (h) => {
  const k = JSON.stringify(h);
  if (!frozen.has(k)) frozen.set(k, Object.freeze(h));
  return frozen.get(k);
};
const batchAt = (b) => {
  const from = (b * size) % Math.max(1, records.length - size);
  return records.slice(from, from + size);
};
const sendOne = (b) => client.send(topic, handover(batchAt(b), headersOf));
const warm = Math.min(10, count);
for (let b = 0; b < warm; b++) await sendOne(b);
const cpu = process.cpuUsage();
const start = performance.now();
for (let b = warm; b < count; b++) await sendOne(b);
const used = process.cpuUsage(cpu);
const wall = (performance.now() - start) / 1000;
await client.disconnect();
const n = (count - warm) * size;
const us = (x) => (x / n).toFixed(2);
console.log(
  `${root}: ${n} records in ${wall.toFixed(2)} s, ${us(used.user + used.system)} us CPU/record ` +
    `(user ${us(used.user)}, sys ${us(used.system)}); load ${(await import("node:os")).loadavg()[0].toFixed(1)}`,
);
