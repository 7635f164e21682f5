// bench/kafka: records/s and MB/s of the tracewalk Kafka sink beside its anchor, Kafka's own Java
// producer benchmark (org.apache.kafka.tools.ProducerPerformance), on the same broker, record size,
// acks and compression. Run through the `bench/kafka` wrapper, which compiles this file.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import type { TraceEvent } from "../src/sim/event.js";
import { eventToJson } from "../src/sinks/jsonl.js";
import { createKafkaSink } from "../src/sinks/kafka.js";
import { KAFKA_LIBS_DIR, startKafka } from "../test/helpers/kafka.js";
import { makeEvents, randomTopic } from "../test/helpers/kafka-events.js";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "500000" },
    rounds: { type: "string", default: "2" },
    only: { type: "string" },
    partitions: { type: "string", default: "3" },
    "batch-size": { type: "string", default: "2000" },
    acks: { type: "string", default: "all" },
    compression: { type: "string", default: "none" },
  },
});
const records = Number(args.records);
const rounds = Number(args.rounds);
const partitions = Number(args.partitions);
const batchSize = Number(args["batch-size"]);
const acks = args.acks === "all" ? "all" : (Number(args.acks) as 0 | 1);
const compression = args.compression === "gzip" ? "gzip" : "none";

interface Rate {
  recordsPerSec: number;
  mbPerSec: number;
}

async function createTopic(brokers: string[], topic: string): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  } finally {
    await admin.disconnect();
  }
}

/** Runs ProducerPerformance and reads its summary line: "N records sent, R records/sec (M MB/sec), ...". */
function javaProducer(brokers: string[], topic: string, recordSize: number): Promise<Rate> {
  const argv = [
    "-Xmx1g",
    "-cp",
    `${KAFKA_LIBS_DIR}/*`,
    "-Dlog4j2.configurationFile=scripts/kafka/log4j2.properties",
    "-Dkafka.logs.dir=.cache/bench-kafka",
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--record-size",
    String(recordSize),
    "--throughput",
    "-1",
    "--producer-props",
    `bootstrap.servers=${brokers.join(",")}`,
    `acks=${acks === "all" ? "all" : acks}`,
    `compression.type=${compression}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("java", argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(out);
      if (code !== 0 || !m) reject(new Error(`ProducerPerformance exited ${code}: ${out.slice(-2000)}`));
      else resolve({ recordsPerSec: Number(m[1]), mbPerSec: Number(m[2]) });
    });
  });
}

/** Writes `records` events through the sink, cycling a pool of pre-built events, and times it to close(). */
let errors = 0;

async function tracewalkSink(
  brokers: string[],
  topic: string,
  pool: TraceEvent[],
  bytes: number,
): Promise<Rate> {
  const sink = createKafkaSink(
    {
      brokers,
      topic,
      acks,
      idempotent: acks === "all",
      compression,
      batch_size: batchSize,
      linger_ms: 1,
      start_timeout_ms: 30_000,
    },
    {
      onError: (err) => {
        if (errors++ < 3) console.error(`  tracewalk sink error (retried): ${err}`);
      },
    },
  );
  await sink.start();
  const chunk = 1000;
  const t0 = process.hrtime.bigint();
  for (let sent = 0; sent < records; sent += chunk) {
    const from = sent % pool.length;
    await sink.write(pool.slice(from, from + Math.min(chunk, records - sent)));
  }
  await sink.close();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { recordsPerSec: records / secs, mbPerSec: (records * bytes) / secs / 1024 / 1024 };
}

const fmt = (r: Rate) =>
  `${Math.round(r.recordsPerSec).toLocaleString("en")} records/s  ${r.mbPerSec.toFixed(1)} MB/s`;

async function main(): Promise<void> {
  const kafka = await startKafka();
  try {
    const pool = makeEvents(100_000, 5_000);
    const bytes = Math.round(pool.reduce((n, e) => n + Buffer.byteLength(eventToJson(e)), 0) / pool.length);
    console.log(
      `bench/kafka: ${records.toLocaleString("en")} records of ${bytes} B, ${partitions} partitions, ` +
        `acks=${acks}, compression=${compression}, broker ${kafka.brokers.join(",")}${kafka.managed ? " (local)" : ""}`,
    );
    // Alternating rounds, best of each: the machine may be shared, and both sides warm up (JIT).
    let java: Rate | undefined;
    let tw: Rate | undefined;
    for (let round = 1; round <= rounds; round++) {
      if (args.only !== "tracewalk") {
        const topic = randomTopic("tw-bench-java");
        await createTopic(kafka.brokers, topic);
        const r = await javaProducer(kafka.brokers, topic, bytes);
        console.log(`  round ${round} java ProducerPerformance  ${fmt(r)}`);
        if (!java || r.recordsPerSec > java.recordsPerSec) java = r;
      }
      if (args.only !== "java") {
        const topic = randomTopic("tw-bench-tracewalk");
        await createTopic(kafka.brokers, topic);
        const r = await tracewalkSink(kafka.brokers, topic, pool, bytes);
        console.log(`  round ${round} tracewalk kafka sink      ${fmt(r)}`);
        if (!tw || r.recordsPerSec > tw.recordsPerSec) tw = r;
      }
    }
    console.log(`best of ${rounds}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores:`);
    if (java) console.log(`  java ProducerPerformance   ${fmt(java)}`);
    if (tw) console.log(`  tracewalk kafka sink       ${fmt(tw)}   (kafkajs, batch_size=${batchSize})`);
    if (java && tw)
      console.log(`  ratio tracewalk/java       ${(tw.recordsPerSec / java.recordsPerSec).toFixed(2)}`);
  } finally {
    await kafka.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
