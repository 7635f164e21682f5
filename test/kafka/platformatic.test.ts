import { beforeEach, describe, expect, test, vi } from "vitest";
import type { KafkaClientOptions, KafkaRecord } from "../../src/kafka/index.js";

// A fake @platformatic/kafka producer: records what each instance was built with and sent.
const producers: FakeProducer[] = [];
let failNext = 0;

class FakeProducer {
  readonly sent: { key?: Buffer; value: Buffer; headers: Map<Buffer, Buffer>; partition?: number }[][] = [];
  closed = false;
  constructor(readonly options: Record<string, unknown>) {
    producers.push(this);
  }
  async connectToBrokers() {}
  async initIdempotentProducer() {}
  async send({ messages }: { messages: FakeProducer["sent"][number] }) {
    if (failNext > 0) {
      failNext--;
      throw new Error("broker went away");
    }
    this.sent.push(messages);
  }
  close(_force: boolean, cb: (err: Error | null) => void) {
    this.closed = true;
    cb(null);
  }
}

// The rest of the library stays real: the client's producer subclass (our record encoder) extends the fake.
vi.mock("@platformatic/kafka", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@platformatic/kafka")>()),
  Producer: FakeProducer,
  Admin: class {},
  GenericError: { isGenericError: () => false },
  compatibilityPartitioner: () => 0,
}));

const { createPlatformaticClient } = await import("../../src/kafka/platformatic.js");

const options: KafkaClientOptions = {
  brokers: ["127.0.0.1:9092"],
  clientId: "tw",
  acks: -1,
  idempotent: true,
  compression: "none",
  maxInFlight: 5,
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  retry: { initialMs: 100, maxMs: 1000, retries: 5 },
};

const headers = { workflow: "ecommerce" };
const batch = (n: number): KafkaRecord[] =>
  Array.from({ length: n }, (_, i) => ({ key: `s${i}`, value: `{"i":${i}}`, headers }));

beforeEach(() => {
  producers.length = 0;
  failNext = 0;
});

describe("platformatic client", () => {
  test("idempotent: one send in flight, acks all, Java's partitioner, Buffers and shared headers", async () => {
    const client = createPlatformaticClient(options);
    expect(client.maxInFlight).toBe(1);
    await client.connect();
    await client.send("t", batch(3));
    const [p] = producers;
    expect(p!.options).toMatchObject({ idempotent: true, acks: -1, maxInflights: 1, retries: 5 });
    const sent = p!.sent[0]!;
    expect(sent.map((m) => m.key?.toString())).toEqual(["s0", "s1", "s2"]);
    expect(sent[0]!.value.toString()).toBe('{"i":0}');
    expect(sent[0]!.headers).toBe(sent[2]!.headers);
    expect([...sent[0]!.headers].map(([k, v]) => [k.toString(), v.toString()])).toEqual([
      ["workflow", "ecommerce"],
    ]);
    await client.disconnect();
    await client.disconnect();
    expect(p!.closed).toBe(true);
  });

  test("a key hashed on the way (keyHash) is the partition given to the library; otherwise its partitioner's", async () => {
    const client = createPlatformaticClient(options);
    await client.connect();
    await client.send("t", [
      { key: Buffer.from("s1"), value: Buffer.from("{}"), headers, keyHash: 1234567 },
      { key: "s2", value: "{}", headers },
      { key: null, value: "{}", headers },
    ]);
    expect(producers[0]!.sent[0]!.map((m) => m.partition)).toEqual([1234567, undefined, undefined]);
  });

  test("not idempotent: the sink's max_in_flight; retries 0 stays 0 (false), not the library's forever", () => {
    const client = createPlatformaticClient({
      ...options,
      idempotent: false,
      acks: 1,
      retry: { ...options.retry, retries: 0 },
    });
    expect(client.maxInFlight).toBe(5);
    expect(producers[0]!.options).toMatchObject({ maxInflights: 5, retries: false, acks: 1 });
  });

  test("a fresh producer before sequence numbers could overflow, never while a failed batch awaits its re-send", async () => {
    const client = createPlatformaticClient(options, 10);
    await client.send("t", batch(6));
    const failing = batch(3);
    failNext = 1;
    await expect(client.send("t", failing)).rejects.toThrow("broker went away");
    // Labels go out while the events batch waits for its re-send; 6 + 2 + 3 now passes the limit, but
    // the re-send must keep the producer id (and sequences) of its first try.
    await client.send("t.labels", batch(2));
    await client.send("t", failing);
    expect(producers).toHaveLength(1);
    await client.send("t", batch(1));
    expect(producers).toHaveLength(2);
    expect(producers[0]!.closed).toBe(true);
    expect(producers[1]!.sent).toHaveLength(1);
  });
});
