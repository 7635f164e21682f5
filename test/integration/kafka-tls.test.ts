// Kafka over TLS: a dedicated broker with SSL and SASL_SSL listeners serving a certificate openssl
// made here (a PKCS12 keystore), both clients, the CA from a file. Every event reaches the topic
// (read back over the broker's PLAINTEXT listener, compared with the file sink's copy); a CA that
// did not sign the broker's certificate is exit 2 naming TLS, never a retry forever.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { type KafkaHarness, startKafka } from "../helpers/kafka.js";
import { consumeWithKcat, multiset, randomTopic } from "../helpers/kafka-events.js";
import { type Certs, makeCerts } from "../helpers/tls-certs.js";

const CLIENTS = ["platformatic", "kafkajs"] as const;
const tmp = tempDir("tw-kafka-tls-");
const users = { alice: "alice-secret" };
let certs: Certs;
let kafka: KafkaHarness;

beforeAll(async () => {
  certs = makeCerts(tmp.dir);
  kafka = await startKafka({
    dedicated: true,
    tls: { keystore: certs.keystore, password: certs.storePassword, users },
  });
}, 120_000);
afterAll(async () => {
  await kafka?.stop();
  tmp.remove();
});

let runs = 0;
/** `run` for 2 virtual minutes at full speed into the kafka sink (`kafka`: its extra fields) and a file. */
async function run(client: string, brokers: string[], topic: string, kafkaFields: string) {
  const n = runs++;
  const file = join(tmp.dir, `run-${n}.jsonl`);
  const config = join(tmp.dir, `run-${n}.yaml`);
  writeFileSync(
    config,
    `seed: 7
metrics: { enabled: false }
log: { level: info, pretty: false }
sinks:
  - { type: kafka, client: ${client}, brokers: [${brokers.join(", ")}], topic: "${topic}", start_timeout_ms: 20000, ${kafkaFields} }
  - { type: file, path: ${file} }
`,
  );
  const r = await runCli(["run", "--config", config, "--speed", "max", "--duration", "2m"]);
  return { ...r, file };
}

async function expectTopicIsFile(topic: string, file: string): Promise<void> {
  const produced = readFileSync(file, "utf8").split("\n").filter(Boolean);
  expect(produced.length).toBeGreaterThan(50);
  const consumed = await consumeWithKcat(kafka.brokers, topic);
  expect(multiset(consumed.map((m) => m.value))).toEqual(multiset(produced));
}

describe.each(CLIENTS)("kafka over TLS on %s", (client) => {
  test("SSL, the CA from a file: every event on the topic, exit 0", async () => {
    const topic = randomTopic("tw-tls");
    const r = await run(client, kafka.sslBrokers!, topic, `tls: { ca: "${certs.ca}" }`);
    expect(r.code, r.stderr).toBe(0);
    await expectTopicIsFile(topic, r.file);
  });

  test("SASL_SSL (PLAIN over TLS): every event on the topic, exit 0, the password never logged", async () => {
    const topic = randomTopic("tw-sasl-ssl");
    const sasl = `sasl: { mechanism: plain, username: alice, password: "${users.alice}" }`;
    const r = await run(client, kafka.saslSslBrokers!, topic, `tls: { ca: "${certs.ca}" }, ${sasl}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(users.alice);
    await expectTopicIsFile(topic, r.file);
  });

  test("a CA that did not sign the broker's certificate: exit 2 at start, naming TLS", async () => {
    const r = await run(
      client,
      kafka.sslBrokers!,
      randomTopic("tw-tls-bad"),
      `tls: { ca: "${certs.otherCa}" }`,
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/kafka: TLS to 127\.0\.0\.1:\d+ failed/);
    expect(r.stderr).toContain("tls.ca");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
