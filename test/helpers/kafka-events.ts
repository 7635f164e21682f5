import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import type { TraceEvent } from "../../src/event/index.js";

/** A topic name no other test uses. */
export function randomTopic(prefix = "tw-test"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/**
 * `count` Event v1 records spread over `sessions` sessions, each session's calls in call_index order and
 * interleaved with the other sessions' (as a scheduler emits them). Not the engine: a local factory.
 */
export function makeEvents(
  count: number,
  sessions = 50,
  prefix = randomBytes(3).toString("hex"),
): TraceEvent[] {
  const out: TraceEvent[] = [];
  const next = new Array<number>(sessions).fill(0);
  for (let i = 0; i < count; i++) {
    const s = i % sessions;
    const callIndex = next[s]!++;
    out.push({
      event_id: `${prefix}-e${i}`,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 137).toISOString(),
      workflow: s % 2 === 0 ? "ecommerce" : "gateway",
      user_id: `${prefix}-u${s % 17}`,
      user_type: s % 3 === 0 ? "premium" : "regular",
      session_id: `${prefix}-s${s}`,
      call_index: callIndex,
      endpoint: "/api/products/{id}",
      path: `/api/products/${(i * 7919) % 10_000}`,
      method: "GET",
      params: { page: i % 5, q: "shoes" },
      status_code: i % 20 === 0 ? 500 : 200,
      response_time_ms: 20 + (i % 300) / 3,
      is_retry: false,
      cascade_id: null,
    });
  }
  return out;
}

export interface ConsumedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning with a kafkajs consumer until `expected` records came (or timeout). */
export async function consumeWithKafkajs(
  brokers: string[],
  topic: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: "tw-test-reader" });
  const consumer = kafka.consumer({ groupId: randomTopic("tw-test-group"), maxWaitTimeInMs: 200 });
  const out: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
              out.push({
                partition: batch.partition,
                offset: Number(m.offset),
                key: m.key === null ? null : m.key.toString(),
                value: m.value?.toString() ?? "",
                headers,
              });
            }
            if (out.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    // A little longer, to see copies beyond the expected count if there are any.
    await new Promise((ok) => setTimeout(ok, 500));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Reads a whole topic with kcat (`-e`: stop at the end of every partition). */
export async function consumeWithKcat(brokers: string[], topic: string): Promise<ConsumedRecord[]> {
  const { stdout } = await promisify(execFile)(
    "kcat",
    ["-b", brokers.join(","), "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
    { maxBuffer: 512 * 1024 * 1024, timeout: 60_000 },
  );
  return stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const j = JSON.parse(line) as {
        partition: number;
        offset: number;
        key: string | null;
        payload: string;
        headers?: string[];
      };
      const headers: Record<string, string> = {};
      const h = j.headers ?? [];
      for (let i = 0; i + 1 < h.length; i += 2) headers[h[i]!] = h[i + 1]!;
      return { partition: j.partition, offset: j.offset, key: j.key, value: j.payload, headers };
    });
}

/** Counts of each string: equal maps mean equal multisets. */
export function multiset(values: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
