// bench/kafka: records/s and MB/s of the tracewalk Kafka sink (on each client library) and of the
// daemon end to end (`tracewalk run --speed max`, generating and producing), beside their anchor, Kafka's
// own Java producer benchmark (org.apache.kafka.tools.ProducerPerformance), on the same broker, record
// size, acks and compression. Run through the `bench/kafka` wrapper, which compiles this file and the CLI.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import type { TraceEvent } from "../src/event/index.js";
import { eventToJson } from "../src/sinks/jsonl.js";
import { createKafkaSink } from "../src/sinks/kafka.js";
import { KAFKA_LIBS_DIR, startKafka } from "../test/helpers/kafka.js";
import { makeEvents, randomTopic } from "../test/helpers/kafka-events.js";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "500000" },
    rounds: { type: "string", default: "2" },
    only: { type: "string", default: "java,sink,daemon" },
    clients: { type: "string", default: "kafkajs,platformatic" },
    duration: { type: "string", default: "15m" },
    "arrival-rate": { type: "string", default: "50" },
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
// "tracewalk" (the former spelling) stands for both of tracewalk's sides.
const only = new Set(args.only.replace("tracewalk", "sink,daemon").split(","));
const clients = args.clients.split(",").filter((c): c is Client => c === "kafkajs" || c === "platformatic");
type Client = "kafkajs" | "platformatic";

interface Rate {
  recordsPerSec: number;
  mbPerSec: number;
  /** `tracewalk run` only: from its first log line (modules loaded, config read) to its last. */
  running?: Rate;
  /** Java only: timed as `tracewalk run` is, from spawn to exit (JVM start-up included). */
  whole?: Rate;
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
  const t0 = process.hrtime.bigint();
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
      else {
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        const whole = {
          recordsPerSec: records / secs,
          mbPerSec: (records * recordSize) / secs / 1024 / 1024,
        };
        resolve({ recordsPerSec: Number(m[1]), mbPerSec: Number(m[2]), whole });
      }
    });
  });
}

/** Writes `records` events through the sink, cycling a pool of pre-built events, and times it to close(). */
let errors = 0;

async function tracewalkSink(
  client: Client,
  brokers: string[],
  topic: string,
  pool: TraceEvent[],
  bytes: number,
): Promise<Rate> {
  const sink = createKafkaSink(
    {
      client,
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

/**
 * `tracewalk run --speed max` into a fresh topic, timed from spawn to exit (start-up, generation,
 * production and the final flush); the event count is the `events` field of its "run finished" line.
 * Also timed from its first log line (the banner: modules loaded, config read; connecting and making the
 * topic come after it) to its last ("sinks flushed"), by the lines' own `time`: closer to the span
 * ProducerPerformance times of itself (its first send to its flush), with no process start-up in it.
 */
async function tracewalkDaemon(
  client: Client,
  brokers: string[],
  topic: string,
  bytes: number,
): Promise<Rate> {
  const dir = mkdtempSync(join(tmpdir(), "tw-bench-kafka-"));
  const config = join(dir, "config.yaml");
  const sink = {
    type: "kafka",
    client,
    brokers,
    topic,
    create_topic: { partitions },
    acks,
    idempotent: acks === "all",
    compression,
    batch_size: batchSize,
  };
  // JSON is YAML.
  const yaml = {
    load: { arrival_rate: Number(args["arrival-rate"]) },
    metrics: { enabled: false },
    log: { level: "info", pretty: false },
    sinks: [sink],
  };
  writeFileSync(config, JSON.stringify(yaml));
  const argv = ["dist/cli/main.js", "run", "--speed", "max", "--duration", args.duration];
  argv.push("--config", config, "--log-level", "info");
  try {
    const t0 = process.hrtime.bigint();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        text += d.toString();
      });
      child.once("error", reject);
      child.once("exit", (code) => {
        if (code === 0) resolve(text);
        else reject(new Error(`tracewalk run exited ${code}: ${text.slice(-2000)}`));
      });
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const lines = out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { events?: number; msg?: string; time: string });
    const finished = lines.find((l) => l.msg?.startsWith("run finished"));
    if (finished?.events === undefined) throw new Error(`no "run finished" line in: ${out.slice(-2000)}`);
    const n = finished.events;
    const span = (Date.parse(lines.at(-1)!.time) - Date.parse(lines[0]!.time)) / 1000;
    const rate = (s: number): Rate => ({ recordsPerSec: n / s, mbPerSec: (n * bytes) / s / 1024 / 1024 });
    return { ...rate(secs), running: rate(span) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (r: Rate) =>
  `${Math.round(r.recordsPerSec).toLocaleString("en")} records/s  ${r.mbPerSec.toFixed(1)} MB/s` +
  (r.running ? `  (from its banner: ${Math.round(r.running.recordsPerSec).toLocaleString("en")})` : "") +
  (r.whole ? `  (spawn to exit: ${Math.round(r.whole.recordsPerSec).toLocaleString("en")})` : "");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const kafka = await startKafka();
  try {
    const pool = makeEvents(100_000, 5_000);
    const bytes = Math.round(pool.reduce((n, e) => n + Buffer.byteLength(eventToJson(e)), 0) / pool.length);
    console.log(
      `bench/kafka: ${records.toLocaleString("en")} records of ${bytes} B, ${partitions} partitions, ` +
        `acks=${acks}, compression=${compression}, broker ${kafka.brokers.join(",")}${kafka.managed ? " (local)" : ""}`,
    );
    // Alternating rounds, best of each: the machine may be shared, and every side warms up (JIT).
    const sides: { label: string; run: (topic: string) => Promise<Rate>; note: string }[] = [];
    if (only.has("java")) {
      sides.push({
        label: "java ProducerPerformance",
        run: (topic) => javaProducer(kafka.brokers, topic, bytes),
        note: "",
      });
    }
    for (const client of only.has("sink") ? clients : []) {
      sides.push({
        label: `tracewalk sink, ${client}`,
        run: (topic) => tracewalkSink(client, kafka.brokers, topic, pool, bytes),
        note: `batch_size=${batchSize}`,
      });
    }
    for (const client of only.has("daemon") ? clients : []) {
      sides.push({
        label: `tracewalk run, ${client}`,
        run: (topic) => tracewalkDaemon(client, kafka.brokers, topic, bytes),
        note: `--speed max --duration ${args.duration}, whole process`,
      });
    }
    const best = new Map<string, Rate>();
    // Each round's rates by side: a side's ratio to the Java run of its own round, beside best to best.
    const perRound: Map<string, Rate>[] = [];
    for (let round = 1; round <= rounds; round++) {
      perRound.push(new Map());
      for (const side of sides) {
        const topic = randomTopic("tw-bench");
        // The daemon creates its topic, as a user's would.
        if (!side.label.startsWith("tracewalk run")) await createTopic(kafka.brokers, topic);
        const r = await side.run(topic);
        console.log(`  round ${round} ${side.label.padEnd(26)} ${fmt(r)}`);
        perRound.at(-1)!.set(side.label, r);
        const b = best.get(side.label);
        if (!b || r.recordsPerSec > b.recordsPerSec) best.set(side.label, r);
      }
    }
    console.log(`best of ${rounds}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores:`);
    const java = best.get("java ProducerPerformance");
    for (const side of sides) {
      const r = best.get(side.label)!;
      const to = (x: Rate) => (x.recordsPerSec / java!.recordsPerSec).toFixed(2);
      const ratio =
        java && side.label !== "java ProducerPerformance"
          ? `  ratio ${to(r)}${r.running ? ` (from its banner: ${to(r.running)})` : ""}`
          : "";
      console.log(`  ${side.label.padEnd(26)} ${fmt(r)}${ratio}  ${side.note}`);
    }
    if (java && rounds > 1) {
      // The same rounds read another way: a burst of load elsewhere hits a round's two sides alike.
      console.log(`median over ${rounds} rounds of each round's ratio to that round's java:`);
      for (const side of sides.filter((s) => s.label !== "java ProducerPerformance")) {
        const ratios = (f: (r: Rate, j: Rate) => number) =>
          median(perRound.map((m) => f(m.get(side.label)!, m.get("java ProducerPerformance")!))).toFixed(2);
        const own = ratios((r, j) => r.recordsPerSec / j.recordsPerSec);
        // `tracewalk run` only: the sink is timed from its first write, neither from a banner nor a spawn.
        const extra = side.label.startsWith("tracewalk run")
          ? ` (from its banner: ${ratios((r, j) => r.running!.recordsPerSec / j.recordsPerSec)}; ` +
            `both spawn to exit: ${ratios((r, j) => r.recordsPerSec / j.whole!.recordsPerSec)})`
          : "";
        console.log(`  ${side.label.padEnd(26)} ${own}${extra}`);
      }
    }
  } finally {
    await kafka.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
