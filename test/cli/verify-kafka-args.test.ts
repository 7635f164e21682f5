import { describe, expect, it } from "vitest";
import { parseBrokers, securityOptions } from "../../src/cli/verify-kafka.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

// The Kafka flags of `verify` are checked before any connection: these need no broker.

describe("verify --kafka-brokers flags", () => {
  const base = ["verify", "--workflow", "ecommerce"];

  it.each([
    [
      ["--kafka-brokers", "127.0.0.1:9092", "--topic", "t", "--input", "-"],
      "--input and --kafka-brokers exclude each other",
    ],
    [
      ["--kafka-brokers", "127.0.0.1:9092", "--topic", "t", "--for", "1m", "--events", "5"],
      "--for and --events exclude each other",
    ],
    [
      ["--kafka-brokers", "127.0.0.1:9092", "--topic", "t", "--from-now", "--from-beginning"],
      "--from-beginning and --from-now exclude each other",
    ],
    [["--kafka-brokers", "127.0.0.1:9092"], "--topic is required"],
    [
      ["--kafka-brokers", "localhost", "--topic", "t"],
      '--kafka-brokers: expected HOST:PORT[,HOST:PORT], got "localhost"',
    ],
    [
      ["--kafka-brokers", "127.0.0.1:9092", "--topic", "t", "--interval", "soon"],
      "--interval: invalid duration",
    ],
    [
      ["--kafka-brokers", "127.0.0.1:9092", "--topic", "t", "--events", "0"],
      "--events: expected an integer >= 1",
    ],
    [["--input", "-", "--topic", "t"], "--topic needs --kafka-brokers"],
    [["--input", "-", "--from-now"], "--from-now needs --kafka-brokers"],
    [
      ["--kafka-brokers", "127.0.0.1:9092", "--topic", "t", "--kafka-client", "librdkafka"],
      '--kafka-client: expected one of kafkajs, platformatic, got "librdkafka"',
    ],
    [["--input", "-", "--kafka-client", "kafkajs"], "--kafka-client needs --kafka-brokers"],
  ])("%j is refused with exit 2: %s", async (args, message) => {
    const r = await runCli([...base, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe("parseBrokers", () => {
  it("takes host:port lists, IPv6 in brackets, and refuses a port out of range", () => {
    expect(parseBrokers("127.0.0.1:9092, [::1]:9093,kafka-0.local:19092")).toEqual([
      "127.0.0.1:9092",
      "[::1]:9093",
      "kafka-0.local:19092",
    ]);
    expect(() => parseBrokers("127.0.0.1:70000")).toThrow(/expected HOST:PORT/);
    expect(() => parseBrokers("127.0.0.1:9092,")).toThrow(/got ""/);
  });
});

describe("securityOptions", () => {
  it("builds the sink's SASL shape with the password from the environment only", () => {
    const env = { TRACEWALK_KAFKA_PASSWORD: "pw" };
    expect(securityOptions({ "sasl-mechanism": "scram-sha-256", "sasl-username": "u" }, env)).toEqual({
      sasl: { mechanism: "scram-sha-256", username: "u", password: "pw" },
    });
    expect(() => securityOptions({ "sasl-mechanism": "plain", "sasl-username": "u" }, {})).toThrow(
      /TRACEWALK_KAFKA_PASSWORD/,
    );
    expect(() => securityOptions({ "sasl-mechanism": "gssapi", "sasl-username": "u" }, env)).toThrow(
      /--sasl-mechanism: expected one of plain, scram-sha-256, scram-sha-512/,
    );
    expect(() => securityOptions({ "sasl-mechanism": "plain" }, env)).toThrow(/--sasl-username is required/);
  });

  it("reads TLS files, naming the flag and path it cannot read (TW_INPUT_INVALID)", () => {
    const tmp = tempDir();
    try {
      expect(securityOptions({ tls: true }, {})).toEqual({ tls: { rejectUnauthorized: true } });
      const missing = `${tmp.dir}/nope.pem`;
      expect(() => securityOptions({ "tls-ca": missing }, {})).toThrow(
        expect.objectContaining({
          code: "TW_INPUT_INVALID",
          message: `--tls-ca: ${missing}: cannot read file: no such file`,
        }),
      );
    } finally {
      tmp.remove();
    }
  });
});
