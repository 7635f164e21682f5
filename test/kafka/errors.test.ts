import { createRequire } from "node:module";
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
  TimeoutError,
} from "@platformatic/kafka";
import { describe, expect, test } from "vitest";
import { describeKafkaError, fatalKafkaKind, isRetriableKafkaError } from "../../src/kafka/index.js";

// kafkajs is CommonJS and spreads its error classes into its exports, which ESM named imports miss.
const require = createRequire(import.meta.url);
const kafkajs = require("kafkajs") as Record<string, new (...args: never[]) => Error>;
const { createErrorFromCode } = require("kafkajs/src/protocol/error") as {
  createErrorFromCode(code: number): { type: string };
};
const {
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSAggregateError,
} = kafkajs as unknown as Record<string, new (...args: unknown[]) => Error>;
const { KafkaJSSASLAuthenticationError, KafkaJSRequestTimeoutError, KafkaJSNonRetriableError } =
  kafkajs as unknown as Record<string, new (...args: unknown[]) => Error>;

/** A broker error as kafkajs throws it, from its protocol code. */
const kjs = (code: number) => new KafkaJSProtocolError!(createErrorFromCode(code));
/** The same as @platformatic/kafka throws it from a produce response: nested twice. */
const plt = (name: string) =>
  new MultipleErrors("Producing messages failed.", [
    new ResponseError(0, 11, { "/topics/0/partitions/0": [codeOf(name), null] }, {}),
  ]);
const codeOf = (name: string) => (new ProtocolError(name) as ProtocolError & { apiCode: number }).apiCode;

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });

describe("fatalKafkaKind sorts both clients' errors", () => {
  // [protocol name, kafkajs code, kind or undefined when retriable]
  const table: [string, number, string | undefined][] = [
    ["TOPIC_AUTHORIZATION_FAILED", 29, "authorization"],
    ["CLUSTER_AUTHORIZATION_FAILED", 31, "authorization"],
    ["SASL_AUTHENTICATION_FAILED", 58, "authentication"],
    ["MESSAGE_TOO_LARGE", 10, "too-large"],
    ["RECORD_LIST_TOO_LARGE", 18, "too-large"],
    ["INVALID_TOPIC_EXCEPTION", 17, "invalid-topic"],
    ["INVALID_REPLICATION_FACTOR", 38, "config"],
    ["INVALID_PARTITIONS", 37, "config"],
    ["INVALID_CONFIG", 40, "config"],
    ["INVALID_REQUEST", 42, "config"],
    ["POLICY_VIOLATION", 44, "config"],
    ["NOT_LEADER_OR_FOLLOWER", 6, undefined],
    ["LEADER_NOT_AVAILABLE", 5, undefined],
    ["REQUEST_TIMED_OUT", 7, undefined],
    ["NOT_ENOUGH_REPLICAS", 19, undefined],
    ["NETWORK_EXCEPTION", 13, undefined],
    ["UNKNOWN_TOPIC_OR_PARTITION", 3, undefined],
    ["NOT_CONTROLLER", 41, undefined],
  ];
  test.each(table)("%s", (name, code, kind) => {
    // kafkajs still uses the name code 6 had before Kafka 2.4.
    expect(createErrorFromCode(code).type).toBe(code === 6 ? "NOT_LEADER_FOR_PARTITION" : name);
    for (const err of [
      kjs(code),
      new KafkaJSNonRetriableError!(kjs(code), { cause: kjs(code) }),
      new KafkaJSAggregateError!("Topic creation errors", [kjs(code)]),
      plt(name),
    ]) {
      expect(fatalKafkaKind(err)?.kind, `${err.constructor.name}`).toBe(kind);
      expect(isRetriableKafkaError(err)).toBe(kind === undefined);
    }
  });

  test("a broker away, a timeout or an unknown error is retriable; a refused SASL login is not", () => {
    const retriable = [
      new KafkaJSNumberOfRetriesExceeded!(
        new KafkaJSConnectionError!(refused.message, { code: "ECONNREFUSED" }),
        {
          retryCount: 5,
          retryTime: 100,
        },
      ),
      new KafkaJSRequestTimeoutError!("Request Produce(key: 0, version: 7) timed out"),
      new MultipleErrors("metadata failed 6 times.", [
        new MultipleErrors("Cannot connect to any broker.", [
          new NetworkError("Connection to 127.0.0.1:1 failed.", { cause: refused }),
        ]),
      ]),
      new TimeoutError("Request timed out"),
      new Error("something odd"),
      "a string",
    ];
    for (const err of retriable) expect(fatalKafkaKind(err), String(err)).toBeUndefined();
    expect(
      fatalKafkaKind(new KafkaJSSASLAuthenticationError!("SASL PLAIN authentication failed"))?.kind,
    ).toBe("authentication");
    expect(fatalKafkaKind(new AuthenticationError("SASL authentication failed."))?.kind).toBe(
      "authentication",
    );
  });

  test("a broker certificate the client refuses is fatal (tls), in both clients' wrappings; a TLS reset is not", () => {
    const unknownCa = Object.assign(new Error("unable to verify the first certificate"), {
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    const kjsErr = new KafkaJSNumberOfRetriesExceeded!(
      new KafkaJSConnectionError!(`Connection error: ${unknownCa.message}`, { code: unknownCa.code }),
      { retryCount: 5, retryTime: 100 },
    );
    const pltErr = new MultipleErrors("Cannot connect to any broker.", [
      new NetworkError("Connection to 127.0.0.1:1 failed.", { cause: unknownCa }),
    ]);
    for (const err of [kjsErr, pltErr]) {
      expect(fatalKafkaKind(err)).toEqual({ kind: "tls", name: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    }
    const altname = Object.assign(new Error("Hostname/IP does not match"), {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
    expect(fatalKafkaKind(altname)?.kind).toBe("tls");
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(fatalKafkaKind(new NetworkError("Connection failed.", { cause: reset }))).toBeUndefined();
  });
});

describe("describeKafkaError", () => {
  test("tells an aggregate by its distinct causes, down to the broker and the socket error", () => {
    const err = new MultipleErrors(
      "metadata failed 3 times.",
      [1, 2, 3].map(
        () =>
          new MultipleErrors("Cannot connect to any broker.", [
            new NetworkError("Connection to 127.0.0.1:1 failed.", { cause: refused }),
          ]),
      ),
    );
    expect(describeKafkaError(err)).toBe(
      "metadata failed 3 times: Cannot connect to any broker: Connection to 127.0.0.1:1 failed: connect ECONNREFUSED 127.0.0.1:1",
    );
  });

  test("names protocol errors and the broker's own message; lists several causes once each", () => {
    expect(describeKafkaError(plt("MESSAGE_TOO_LARGE"))).toMatch(
      /^Producing messages failed: Received response with error .*: The request included a message larger .* \(MESSAGE_TOO_LARGE\)$/,
    );
    const two = new KafkaJSAggregateError!("Topic creation errors", [kjs(17), kjs(38), kjs(17)]);
    expect(describeKafkaError(two)).toBe(
      "Topic creation errors: [The request attempted to perform an operation on an invalid topic (INVALID_TOPIC_EXCEPTION)]; [Replication-factor is invalid (INVALID_REPLICATION_FACTOR)]",
    );
    expect(
      describeKafkaError(new KafkaJSConnectionError!("Connection timeout", { broker: "127.0.0.1:9" })),
    ).toBe("Connection timeout (broker 127.0.0.1:9)");
    expect(describeKafkaError("plain")).toBe("plain");
  });

  test("a cause that loops back is told once", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as Error & { cause: unknown }).cause = b;
    expect(describeKafkaError(a)).toBe("a: b");
  });
});
