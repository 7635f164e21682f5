import { compatibilityPartitioner } from "@platformatic/kafka";
import { Partitioners } from "kafkajs";
import { describe, expect, test } from "vitest";
import { keyPartitionHash, murmur2 } from "../../src/kafka/murmur2.js";

/** Keys of every length 0–69 (each tail length of the 4-byte loop), bytes from a fixed LCG, and real ones. */
function keys(): Buffer[] {
  let x = 12345;
  const out: Buffer[] = [];
  for (let n = 0; n < 2000; n++) {
    const b = Buffer.alloc(n % 70);
    for (let i = 0; i < b.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    out.push(b);
  }
  for (const s of ["s-0001", "a7c1f6e2-43b1-4c36-9bb0-2f0e5e3f9a10", "user-42", "ключ", "漢字😀"]) {
    out.push(Buffer.from(s));
  }
  return out;
}

describe("murmur2: the partition a key lands in, whichever client hashes it", () => {
  test("@platformatic/kafka's compatibilityPartitioner gives the same value before the modulo", () => {
    for (const k of keys())
      expect(keyPartitionHash(k), k.toString("hex")).toBe(
        compatibilityPartitioner({ topic: "t", value: k }, k),
      );
  });

  test("kafkajs's Java-compatible partitioner picks the same partition for 1, 3 and 7 partitions", () => {
    const partitioner = Partitioners.JavaCompatiblePartitioner();
    for (const count of [1, 3, 7]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      for (const key of keys().slice(0, 300)) {
        const expected = partitioner({ topic: "t", partitionMetadata, message: { key, value: null } });
        expect(keyPartitionHash(key) % count).toBe(expected);
      }
    }
  });

  test("a range of a larger buffer hashes as the bytes alone; Java's value for a known key", () => {
    const inner = Buffer.from("session-17");
    const outer = Buffer.concat([Buffer.from("xx"), inner, Buffer.from("yyy")]);
    expect(murmur2(outer, 2, 2 + inner.length)).toBe(murmur2(inner));
    // Kafka's UtilsTest: Utils.murmur2("21".getBytes()) == -973932308.
    expect(murmur2(Buffer.from("21"))).toBe(-973932308);
  });
});
