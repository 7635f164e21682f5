import { describe, expect, test } from "vitest";
import { ErrorCode, TwError } from "../../src/errors.js";
import type { KafkaRecord } from "../../src/kafka/client.js";
import {
  describeKafkaError,
  fatalConnectError,
  fatalKafkaKind,
  fatalSendError,
} from "../../src/kafka/index.js";
import { keyPartitionHash } from "../../src/kafka/murmur2.js";
import {
  type PackedRecords,
  PackedRecordsBuilder,
  packRecords,
  recordsOf,
  unpackRecords,
} from "../../src/kafka/packed.js";
import { errorToTree, treeToError } from "../../src/kafka/thread-protocol.js";

/** Through structured cloning, as postMessage would carry it (with the buffers transferred). */
function carry(b: PackedRecords): PackedRecords {
  return structuredClone(b, {
    transfer: [b.bytes, b.pos.buffer, b.hasKey.buffer, b.keyHash.buffer, b.headerIndex.buffer],
  });
}

describe("a batch crossing to the producer thread", () => {
  const h1 = { workflow: "checkout", "content-type": "application/json" };
  const h2 = { workflow: "browse", schema_version: "2" };

  test("every key, value and header set comes back byte for byte, null keys null, in order", () => {
    const records: KafkaRecord[] = [
      { key: "s-1", value: '{"a":1}', headers: h1 },
      { key: null, value: "", headers: h2 },
      { key: "", value: "é ü 漢字 😀", headers: h1 },
      { key: "ключ", value: "x".repeat(5000), headers: h2 },
    ];
    const back = unpackRecords(carry(packRecords(records)));
    expect(back.map((r) => (r.key === null ? null : r.key.toString()))).toEqual(records.map((r) => r.key));
    expect(back.map((r) => Buffer.from(r.value))).toEqual(records.map((r) => Buffer.from(r.value)));
    expect(back.map((r) => r.headers)).toEqual(records.map((r) => r.headers));
    // Java's partition hash of each key's bytes, for the client to place it by; none for a null key.
    expect(back.map((r) => r.keyHash)).toEqual(
      records.map((r) => (r.key === null ? undefined : keyPartitionHash(Buffer.from(r.key)))),
    );
  });

  test("multi-byte text past the first estimate grows the buffer instead of cutting a record", () => {
    // 3 bytes per character in UTF-8: three times the size the encoder starts from.
    const records: KafkaRecord[] = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`,
      value: "漢".repeat(100 + i),
      headers: h1,
    }));
    const back = unpackRecords(carry(packRecords(records)));
    expect(back.map((r) => r.value.toString())).toEqual(records.map((r) => r.value));
  });

  test("header sets are sent once each", () => {
    const records = [h1, h2, h1, h1].map((headers, i) => ({ key: `${i}`, value: `${i}`, headers }));
    const b = carry(packRecords(records));
    expect(b.headers).toEqual([h1, h2]);
    expect([...b.headerIndex]).toEqual([0, 1, 0, 0]);
  });

  test("a batch built from parts of chunks, past its expected size and count, holds exactly those bytes", () => {
    // The sink's way: values cut from the encoder's chunks; here from 2 records and 64 bytes expected.
    const chunk = Buffer.from('xx{"v":"漢字"}\n{"v":2}\n'.repeat(40));
    const builder = new PackedRecordsBuilder(2, 64);
    const want: { key: string | null; value: string }[] = [];
    let at = 0;
    for (let i = 0; at < chunk.length; i++) {
      const nl = chunk.indexOf(0x0a, at);
      const key = i % 3 === 0 ? null : `s-${i}`;
      builder.addBytes(key, chunk, at, nl, i % 2 === 0 ? h1 : h2);
      want.push({ key, value: chunk.subarray(at, nl).toString() });
      at = nl + 1;
    }
    expect(builder.length).toBe(80);
    const b = carry(builder.build());
    expect([b.hasKey.length, b.pos.length, b.headers.length]).toEqual([80, 161, 2]);
    const back = unpackRecords(b);
    expect(back.map((r) => ({ key: r.key === null ? null : String(r.key), value: String(r.value) }))).toEqual(
      want,
    );
    expect(back.map((r) => r.keyHash)).toEqual(
      want.map((w) => (w.key === null ? undefined : keyPartitionHash(Buffer.from(w.key)))),
    );
  });

  test("a packed batch read as records gives the same array each time (a re-send is known by identity)", () => {
    const b = packRecords([{ key: "k", value: "v", headers: h1 }]);
    expect(recordsOf(b)).toBe(recordsOf(b));
    const list = [{ key: "k", value: "v", headers: h1 }];
    expect(recordsOf(list)).toBe(list);
  });
});

describe("an error crossing back", () => {
  test("a protocol error nested in aggregates keeps its kind, message and description", () => {
    const inner = Object.assign(new Error("Received response with error while executing API"), {
      apiId: "MESSAGE_TOO_LARGE",
    });
    const outer = Object.assign(new Error("Producing failed"), { errors: [inner], broker: "127.0.0.1:9" });
    const back = treeToError(structuredClone(errorToTree(outer)));
    expect(fatalKafkaKind(back)).toEqual(fatalKafkaKind(outer));
    expect(describeKafkaError(back)).toBe(describeKafkaError(outer));
    expect(fatalSendError(back, "t")?.code).toBe(ErrorCode.SINK_FAILED);
  });

  test("a refused connection stays retriable, its cause told; a TLS code stays fatal", () => {
    const refused = new Error("Connection failed", {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    });
    const back = treeToError(structuredClone(errorToTree(refused)));
    expect(fatalConnectError(back, ["127.0.0.1:1"])).toBeUndefined();
    expect(describeKafkaError(back)).toContain("ECONNREFUSED 127.0.0.1:1");
    const tls = Object.assign(new Error("self-signed"), { code: "SELF_SIGNED_CERT_IN_CHAIN" });
    const tlsBack = treeToError(structuredClone(errorToTree(tls)));
    expect(fatalConnectError(tlsBack, ["b:1"])?.message).toMatch(/TLS to b:1 failed/);
  });

  test("a TwError comes back a TwError with its code", () => {
    const back = treeToError(structuredClone(errorToTree(new TwError(ErrorCode.CONFIG_INVALID, "no"))));
    expect(back).toBeInstanceOf(TwError);
    expect((back as TwError).code).toBe(ErrorCode.CONFIG_INVALID);
  });

  test("a cyclic or huge aggregate is cut, not followed forever", () => {
    const a = new Error("a") as Error & { errors: Error[] };
    a.errors = Array.from({ length: 500 }, (_, i) => new Error(`e${i}`));
    a.errors.push(a);
    const tree = errorToTree(a);
    expect(tree.errors!.length).toBeLessThan(60);
  });
});
