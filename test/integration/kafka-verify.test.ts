import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { type CliResult, runCli, STACK_LINE, tempDir, waitFor } from "../helpers/cli.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import { randomTopic } from "../helpers/kafka-events.js";

// `tracewalk verify --kafka-brokers` against the suite's real broker: topics filled by the daemon's
// Kafka sink (both clients) or by kcat from a generated file, then read by the verify command.

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir("tw-kafka-verify-");
});
afterAll(() => tmp.remove());

const running: ReturnType<typeof runCli>[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.child.kill("SIGKILL");
});

const brokers = () => inject("kafkaBrokers");

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

/** Runs the daemon at max speed into a Kafka sink (and a file, to count what it produced). */
async function produceWithDaemon(topic: string, client: string): Promise<number> {
  const file = join(tmp.dir, `${topic}.jsonl`);
  const config = join(tmp.dir, `${topic}.yaml`);
  writeFileSync(
    config,
    `seed: 5
metrics: { port: 0 }
log: { level: warn, pretty: false }
sinks:
  - type: kafka
    client: ${client}
    brokers: [${brokers().join(", ")}]
    topic: ${topic}
    create_topic: { partitions: 3 }
  - type: file
    path: ${file}
`,
  );
  const r = await runCli(["run", "--config", config, "--speed", "max", "--duration", "10m"]);
  expect(r.code, r.stderr).toBe(0);
  return lines(file).length;
}

/** Produces each line of `values` as one record with kcat (the topic is auto-created, one partition). */
async function produceWithKcat(topic: string, values: string[], to = brokers()): Promise<void> {
  const file = join(tmp.dir, `${topic}.kcat`);
  writeFileSync(file, `${values.join("\n")}\n`);
  await promisify(execFile)("kcat", ["-b", to.join(","), "-P", "-t", topic, "-l", file], {
    timeout: 60_000,
  });
}

/** Events of a workflow file or preset, from `tracewalk generate`. */
async function generate(workflow: string, users: number, seed = 42): Promise<string[]> {
  const out = join(tmp.dir, `${randomTopic("gen")}.jsonl`);
  const args = ["--workflow", workflow, "--users", String(users), "--seed", String(seed), "--out", out];
  const r = await runCli(["generate", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return lines(out);
}

function verify(args: string[]) {
  const run = runCli(["verify", "--workflow", "ecommerce", "--kafka-brokers", brokers().join(","), ...args]);
  running.push(run);
  return run;
}

const RUNNING_LINE = /^verify: records (\d+) · sessions (\d+) · transitions checked (\d+) · .* · (.+)$/m;

function expectNoStack(r: CliResult): void {
  expect(r.stderr).not.toMatch(STACK_LINE);
}

describe.each([
  ["kafkajs", "platformatic"],
  ["platformatic", "kafkajs"],
])("a topic the daemon filled with the %s sink, read with --kafka-client %s", (client, reader) => {
  test("read from the beginning with --events N: consistent, exit 0, the final report", async () => {
    const topic = randomTopic("tw-verify");
    const produced = await produceWithDaemon(topic, client);
    expect(produced).toBeGreaterThan(2000);
    const from = ["--topic", topic, "--from-beginning", "--kafka-client", reader];
    const r = await verify([...from, "--events", String(produced)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`records ${produced} · bad records 0`);
    expect(r.stdout).toContain(`events ${produced} ·`);
    expect(r.stdout).toMatch(/^consistent$/m);
    // Ends are not observable in a stream, so the row is conditional on going on: 0.5 / (1 − 0.05).
    expect(r.stdout).toMatch(/^\/api\/login +→ \/api\/profile +0\.5263 /m);
    expectNoStack(r);
  });
});

describe.each(["kafkajs", "platformatic"])("verify --kafka-client %s", (reader) => {
  test("reads every record of a topic in order, bad ones named by partition and offset", async () => {
    const events = await generate("ecommerce", 40, 3);
    const topic = randomTopic(`tw-verify-${reader}`);
    await produceWithKcat(topic, [...events.slice(0, 5), "not json", ...events.slice(5)]);
    const total = events.length + 1;
    const r = await verify(["--topic", topic, "--kafka-client", reader, "--events", String(total), "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      consistent: boolean;
      badRecords: number;
      firstBadRecords: { message: string }[];
      tally: { events: number };
    };
    expect(report.consistent).toBe(true);
    expect(report.badRecords).toBe(1);
    expect(report.firstBadRecords[0]?.message).toContain(`${topic}/0@5: malformed JSON`);
    expect(report.tally.events).toBe(events.length);
    expectNoStack(r);
  });

  test("a topic that does not exist: exit 2 naming --topic", async () => {
    const topic = randomTopic("tw-verify-missing");
    const r = await verify(["--topic", topic, "--kafka-client", reader, "--events", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--topic: topic "${topic}" does not exist`);
    expectNoStack(r);
  });
});

test("a stream of a different chain, read against ecommerce: inconsistent, exit 4", async () => {
  // The same endpoints and name, other entry and transition weights: only the statistics tell.
  const preset = (await runCli(["presets", "ecommerce"])).stdout;
  const variant = preset
    .replace(
      "/api/login: 0.6\n  /api/products: 0.3\n  /api/search: 0.1",
      "/api/login: 0.2\n  /api/products: 0.6\n  /api/search: 0.2",
    )
    .replace("/api/profile: 0.5\n    /api/products: 0.35", "/api/profile: 0.2\n    /api/products: 0.65");
  expect(variant).not.toBe(preset);
  const file = join(tmp.dir, "variant.yaml");
  writeFileSync(file, variant);
  const events = await generate(file, 300);
  const topic = randomTopic("tw-verify-other");
  await produceWithKcat(topic, events);
  const r = await verify(["--topic", topic, "--events", String(events.length), "--json"]);
  expect(r.code, r.stdout + r.stderr).toBe(4);
  const report = JSON.parse(r.stdout) as { consistent: boolean; reasons: string[]; badRecords: number };
  expect(report.consistent).toBe(false);
  expect(report.badRecords).toBe(0);
  expect(report.reasons.join(";")).toMatch(/transition frequencies deviate/);
});

test("bad records are counted and listed; with --strict the first one stops the run, exit 2", async () => {
  const events = await generate("ecommerce", 50);
  const topic = randomTopic("tw-verify-bad");
  await produceWithKcat(topic, [
    ...events.slice(0, 10),
    "not json",
    '{"workflow":"ecommerce"}',
    ...events.slice(10),
  ]);
  const total = events.length + 2;
  const r = await verify(["--topic", topic, "--events", String(total)]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain(`records ${total} · bad records 2`);
  expect(r.stdout).toMatch(new RegExp(`bad: ${topic}/0@10: malformed JSON`));
  expect(r.stdout).toMatch(new RegExp(`bad: ${topic}/0@11: field "user_id" is missing`));

  const strict = await verify(["--topic", topic, "--events", String(total), "--strict"]);
  expect(strict.code).toBe(2);
  expect(strict.stderr).toContain(`${topic}/0@10: malformed JSON`);
  expectNoStack(strict);
});

test("the running verdict is printed every --interval; --for stops the run with the final report", async () => {
  const events = await generate("ecommerce", 100);
  const topic = randomTopic("tw-verify-run");
  await produceWithKcat(topic, events);
  const r = await verify(["--topic", topic, "--for", "4s", "--interval", "200ms"]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const verdicts = r.stderr.split("\n").filter((l) => RUNNING_LINE.test(l));
  expect(verdicts.length).toBeGreaterThanOrEqual(2);
  const last = RUNNING_LINE.exec(verdicts.at(-1)!)!;
  expect(Number(last[1])).toBe(events.length);
  expect(Number(last[3])).toBeGreaterThan(0);
  expect(last[4]).toBe("consistent so far");
  expect(r.stdout).toContain(`records ${events.length} · bad records 0`);
});

describe("a read that sees no session of the workflow: exit 2, one line naming the topic and workflow", () => {
  const refused = (topic: string, why: string) =>
    `tracewalk verify: no sessions to test: topic "${topic}" gave no session of workflow "ecommerce" (${why})\n`;

  test("the wrong --workflow, until --events", async () => {
    const events = await generate("simple", 20);
    const topic = randomTopic("tw-verify-wrong");
    await produceWithKcat(topic, events);
    const r = await verify(["--topic", topic, "--events", String(events.length), "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    const why = `${events.length} record(s) read from the beginning until --events; it has "simple"; check --workflow`;
    expect(
      r.stderr
        .split("\n")
        .filter((l) => !l.startsWith("verify: "))
        .join("\n"),
    ).toBe(refused(topic, why));
  });

  test("an empty topic, until --for", async () => {
    const topic = randomTopic("tw-verify-empty");
    const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const r = await verify(["--topic", topic, "--for", "1s", "--interval", "200ms"]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^verify: records 0 · sessions 0 · .* · no sessions yet$/m);
    expect(r.stderr).toContain(refused(topic, "0 record(s) read from the beginning until --for"));
    expectNoStack(r);
  });

  test("only records from before a --from-now read, until SIGTERM; bad records are named", async () => {
    const topic = randomTopic("tw-verify-quiet");
    await produceWithKcat(topic, await generate("ecommerce", 5));
    const run = verify(["--topic", topic, "--from-now"]);
    let stderr = "";
    run.child.stderr?.on("data", (d: Buffer | string) => {
      stderr += d.toString();
    });
    await waitFor("the consumer to join", () => stderr.includes(`verify: reading ${topic} from now`));
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(refused(topic, "0 record(s) read from now until SIGTERM"));
    expectNoStack(r);

    const junk = randomTopic("tw-verify-junk");
    await produceWithKcat(junk, ["not json"]);
    const bad = await verify(["--topic", junk, "--events", "1"]);
    expect(bad.code, bad.stdout + bad.stderr).toBe(2);
    const why = `1 record(s) read from the beginning until --events; 1 bad, the first: ${junk}/0@0: malformed JSON (`;
    expect(bad.stderr).toContain(refused(junk, why).slice(0, -2));
  });
});

test("a topic that does not exist: a clear error, exit 2, within the connect bound", async () => {
  const topic = randomTopic("tw-verify-missing");
  const started = Date.now();
  const r = await verify(["--topic", topic, "--events", "10"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`--topic: topic "${topic}" does not exist on ${brokers().join(",")}`);
  expectNoStack(r);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test("a broker that cannot be reached: a clear error, exit 1, within the connect bound", async () => {
  const started = Date.now();
  const run = runCli(["verify", "--workflow", "ecommerce", "--kafka-brokers", "127.0.0.1:1", "--topic", "t"]);
  running.push(run);
  const r = await run;
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^tracewalk verify: kafka 127\.0\.0\.1:1: /);
  expectNoStack(r);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test("SIGTERM during a --from-now run: the consumer leaves and the final report is printed", async () => {
  const before = await generate("ecommerce", 20, 1);
  const topic = randomTopic("tw-verify-now");
  await produceWithKcat(topic, before);
  const run = verify(["--topic", topic, "--from-now", "--interval", "200ms"]);
  let stderr = "";
  run.child.stderr?.on("data", (d: Buffer | string) => {
    stderr += d.toString();
  });
  await waitFor("the consumer to join", () => stderr.includes(`verify: reading ${topic} from now`));
  // The consumer takes the end offsets at its first fetch, a moment after joining: batches with fresh
  // sessions (another seed each) are produced until one is read. None of `before` is ever read.
  const readSome = () => [...stderr.matchAll(new RegExp(RUNNING_LINE, "gm"))].some((m) => Number(m[1]) > 0);
  let produced = 0;
  for (let seed = 2; seed < 12 && !readSome(); seed++) {
    const batch = await generate("ecommerce", 20, seed);
    await produceWithKcat(topic, batch);
    produced += batch.length;
    await waitFor("a running verdict", () => readSome(), 5_000).catch(() => {});
  }
  expect(readSome(), stderr).toBe(true);
  const signalled = Date.now();
  run.child.kill("SIGTERM");
  const r = await run;
  expect(Date.now() - signalled).toBeLessThan(10_000);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const records = Number(/^records (\d+) · bad records 0$/m.exec(r.stdout)?.[1]);
  expect(records).toBeGreaterThan(0);
  expect(records).toBeLessThanOrEqual(produced);
  expect(r.stdout).toMatch(/sessions joined mid-way left out \d+ · sessions open at the stop \d+/);
  expect(r.stdout).toMatch(/^consistent$/m);
  expectNoStack(r);
});

describe("a broker with an authorizer, read over SASL/PLAIN", () => {
  let kafka: KafkaHarness;
  const users = { alice: "alice-secret" };
  beforeAll(async () => {
    kafka = await startKafka({ dedicated: true, secured: { users } });
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  /** Lets alice describe and read `topic` and use `group` (the broker's own listener is a super user). */
  async function allow(topic: string, group: string): Promise<void> {
    const a = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await a.connect();
    try {
      const acl = (resourceType: number, resourceName: string, operation: number) => ({
        resourceType,
        resourceName,
        resourcePatternType: 3, // LITERAL
        principal: "User:alice",
        host: "*",
        operation,
        permissionType: 3, // ALLOW
      });
      // TOPIC = 2, GROUP = 3; READ = 3, DESCRIBE = 8.
      const acls = [acl(2, topic, 3), acl(2, topic, 8), acl(3, group, 3)];
      await a.createAcls({ acl: acls } as unknown as Parameters<typeof a.createAcls>[0]);
    } finally {
      await a.disconnect();
    }
  }

  function asAlice(topic: string, password: string, extra: string[] = []) {
    const args = ["verify", "--workflow", "ecommerce", "--kafka-brokers", kafka.saslBrokers!.join(",")];
    const sasl = ["--sasl-mechanism", "plain", "--sasl-username", "alice", "--topic", topic];
    const run = runCli([...args, ...sasl, ...extra], { env: { TRACEWALK_KAFKA_PASSWORD: password } });
    running.push(run);
    return run;
  }

  test("with READ on the topic and the group: the stream is verified, exit 0", async () => {
    const events = await generate("ecommerce", 50);
    const topic = randomTopic("tw-verify-sasl");
    const group = randomTopic("tw-verify-group");
    await produceWithKcat(topic, events, kafka.brokers);
    await allow(topic, group);
    const r = await asAlice(topic, users.alice, ["--group-id", group, "--events", String(events.length)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`records ${events.length} · bad records 0`);
  });

  test("a wrong password: exit 2 (authentication); no rights on the topic: exit 2, saying it may be hidden", async () => {
    const denied = await asAlice("any", "wrong");
    expect(denied.code, denied.stderr).toBe(2);
    expect(denied.stderr).toContain("refused the client (authentication)");
    expectNoStack(denied);

    const topic = randomTopic("tw-verify-hidden");
    await produceWithKcat(topic, ["{}"], kafka.brokers);
    const hidden = await asAlice(topic, users.alice);
    expect(hidden.code, hidden.stderr).toBe(2);
    expect(hidden.stderr).toContain(
      `topic "${topic}" does not exist on ${kafka.saslBrokers!.join(",")} (or user "alice" may not describe it)`,
    );
  });
});
