import { describe, expect, it } from "vitest";
import { DEFAULT_SEED, DEFAULT_START } from "../../src/config/defaults.js";
import { loadConfig, parseConfig, redactConfig } from "../../src/config/index.js";
import { ErrorCode } from "../../src/errors.js";
import { rejection, yamlFile } from "./helpers.js";

describe("loadConfig defaults", () => {
  it("gives the documented defaults with no file", async () => {
    const c = await loadConfig({ env: {} });
    expect(c.seed).toBe(DEFAULT_SEED);
    expect(c.seed).toBe(42);
    expect(c.workflows).toEqual([{ preset: "ecommerce", weight: 1 }]);
    expect(c.load).toEqual({
      model: "open",
      arrival_rate: 5,
      stages: [],
      sessions_per_user: { mean: 1, std: 0 },
      session_gap: 30 * 60_000,
    });
    expect(c.clock).toEqual({ speed: 60, start: DEFAULT_START });
    expect(c.sinks).toEqual([
      { type: "file", name: "file", path: "out/events.jsonl", labels_path: "out/events.labels.jsonl" },
    ]);
    expect(c.metrics).toEqual({
      enabled: true,
      host: "127.0.0.1",
      port: 9464,
      max_endpoints: 200,
      ui: false,
    });
    expect(c.cascades).toEqual([]);
    expect(c.drain_timeout).toBe(8_000);
    expect(c.delivery_timeout).toBe(120_000);
    expect(c.shard).toEqual({ index: 0, count: 1 });
    expect(c.generation.max_length).toBe(50);
  });

  it("treats an empty file and a comments-only file as the defaults", async () => {
    const defaults = await loadConfig({ env: {} });
    expect(await loadConfig({ file: yamlFile(""), env: {} })).toEqual(defaults);
    expect(await loadConfig({ file: yamlFile("# nothing\n"), env: {} })).toEqual(defaults);
  });

  it("fills kafka defaults, sink names and label streams", async () => {
    const file = yamlFile(
      "sinks:\n  - type: kafka\n  - type: file\n    path: out/e.jsonl\n  - type: file\n    path: out/f\n",
    );
    const c = await loadConfig({ file, env: {} });
    const [kafka, f1, f2] = c.sinks;
    expect(kafka).toMatchObject({
      name: "kafka",
      brokers: ["localhost:9092"],
      topic: "api-calls",
      labels_topic: "api-calls.labels",
      acks: "all",
      key: "session_id",
      // Missing topics are created by default, with the broker's partition count and replication factor.
      create_topic: {},
      tls: false,
      idempotent: true,
      retry: { initial_ms: 100, max_ms: 30_000, retries: 5 },
    });
    expect(f1).toMatchObject({ name: "file-1", labels_path: "out/e.labels.jsonl" });
    expect(f2).toMatchObject({ name: "file-2", labels_path: "out/f.labels.jsonl" });
  });

  it("accepts the closed model and create_topic: true, false or {partitions, replication_factor}", async () => {
    const file = yamlFile(
      "load: { model: closed, users: 3, pause: 1m }\nsinks: [{ type: kafka, create_topic: true, acks: 1, idempotent: false },\n" +
        "  { type: kafka, create_topic: false }, { type: kafka, create_topic: { partitions: 3, replication_factor: 2 } }]\n",
    );
    const c = await loadConfig({ file, env: {} });
    expect(c.load).toEqual({ model: "closed", users: 3, pause: 60_000 });
    expect(c.sinks[0]).toMatchObject({ create_topic: {}, acks: 1 });
    expect(c.sinks.map((s) => (s.type === "kafka" ? s.create_topic : null))).toEqual([
      {},
      false,
      { partitions: 3, replication_factor: 2 },
    ]);
  });
});

describe("layering: flags > env > file > defaults", () => {
  const file = () =>
    yamlFile(
      "seed: 1\nclock: { speed: 10, duration: 1h }\nload: { arrival_rate: 2 }\nmetrics: { port: 9000 }\n",
    );

  it("file over defaults", async () => {
    const c = await loadConfig({ file: file(), env: {} });
    expect(c.seed).toBe(1);
    expect(c.clock).toMatchObject({ speed: 10, duration: 3_600_000, start: DEFAULT_START });
    expect(c.metrics.port).toBe(9000);
    expect(c.metrics.host).toBe("127.0.0.1");
  });

  it("env over file, coerced by the schema's type", async () => {
    const env = {
      TRACEWALK_SEED: "7",
      TRACEWALK_CLOCK__SPEED: "max",
      TRACEWALK_LOAD__ARRIVAL_RATE: "20",
      TRACEWALK_METRICS__ENABLED: "false",
      TRACEWALK_LOG__LEVEL: "debug",
    };
    const c = await loadConfig({ file: file(), env });
    expect(c.seed).toBe(7);
    expect(c.clock.speed).toBe("max");
    expect(c.clock.duration).toBe(3_600_000);
    expect(c.load).toMatchObject({ model: "open", arrival_rate: 20 });
    expect(c.metrics.enabled).toBe(false);
    expect(c.log.level).toBe("debug");
  });

  it("flags over env", async () => {
    const env = { TRACEWALK_SEED: "7", TRACEWALK_CLOCK__SPEED: "max" };
    const flags = {
      seed: "9",
      speed: "120",
      duration: "90m",
      metricsAddr: "0.0.0.0:9500",
      workflow: "simple",
    };
    const c = await loadConfig({ file: file(), env, flags });
    expect(c.seed).toBe(9);
    expect(c.clock.speed).toBe(120);
    expect(c.clock.duration).toBe(90 * 60_000);
    expect(c.metrics).toMatchObject({ host: "0.0.0.0", port: 9500 });
    expect(c.workflows).toEqual([{ preset: "simple", weight: 1 }]);
  });

  it("maps --workflow paths to files and --set to any key", async () => {
    const c = await loadConfig({
      env: {},
      flags: {
        workflow: ["config/workflows/checkout.yaml", "ecommerce"],
        set: ["load.arrival_rate=3.5", "shard=1/4"],
      },
    });
    expect(c.workflows).toEqual([
      { file: "config/workflows/checkout.yaml", weight: 1 },
      { preset: "ecommerce", weight: 1 },
    ]);
    expect(c.load).toMatchObject({ arrival_rate: 3.5 });
    expect(c.shard).toEqual({ index: 1, count: 4 });
  });

  it("applies TRACEWALK_KAFKA_BROKERS to every kafka sink, and indexes lists", async () => {
    const f = yamlFile(
      "sinks:\n  - { type: kafka, brokers: [x:1] }\n  - { type: stdout }\n  - { type: kafka, topic: t2 }\n",
    );
    const env = { TRACEWALK_KAFKA_BROKERS: "a:9092, b:9092", TRACEWALK_SINKS__2__TOPIC: "t3" };
    const c = await loadConfig({ file: f, env });
    expect(c.sinks[0]).toMatchObject({ brokers: ["a:9092", "b:9092"] });
    expect(c.sinks[2]).toMatchObject({
      brokers: ["a:9092", "b:9092"],
      topic: "t3",
      labels_topic: "t3.labels",
    });
  });

  it("ignores variables outside the config (Kubernetes service links) but names a typo", async () => {
    const ok = await loadConfig({ env: { TRACEWALK_SERVICE_HOST: "10.0.0.1", TRACEWALK_PORT: "tcp://x:1" } });
    expect(ok.seed).toBe(42);
    const err = await rejection(loadConfig({ env: { TRACEWALK_CLOCK__SPED: "2" } }));
    expect(err.problems).toEqual([
      { path: "TRACEWALK_CLOCK__SPED", message: 'no config key "clock.sped" (did you mean "speed"?)' },
    ]);
  });

  it("sets keys inside arrays (cascades) but never reaches Object.prototype", async () => {
    const f = yamlFile("cascades: [{ name: brownout, every: 30m, duration: 5m }]\n");
    const c = await loadConfig({ file: f, env: {}, flags: { set: ["cascades.0.ramp=1m"] } });
    expect(c.cascades[0]).toMatchObject({
      name: "brownout",
      every: 1_800_000,
      duration: 300_000,
      ramp: 60_000,
    });
    const err = await rejection(
      loadConfig({ file: f, env: {}, flags: { set: ["cascades.0.__proto__.polluted=1"] } }),
    );
    expect(err.problems[0]!.path).toBe("--set cascades.0.__proto__.polluted");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("names the variable or flag a bad value came from", async () => {
    const err = await rejection(
      loadConfig({ env: { TRACEWALK_METRICS__PORT: "http" }, flags: { speed: "fast" } }),
    );
    expect(err.problems).toEqual([
      { path: "clock.speed", message: 'expected a number > 0 or "max" (from --speed)' },
      { path: "metrics.port", message: "expected number, got string (from TRACEWALK_METRICS__PORT)" },
    ]);
  });
});

describe("$VAR interpolation", () => {
  // The strings below hold literal `${…}` references on purpose: they are what users write in YAML.
  const text =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: YAML text with references
    "sinks:\n  - type: kafka\n    topic: ${TOPIC:-calls}\n    sasl: { mechanism: plain, username: u, password: '${PW}' }\n    client_id: 'a$${literal}'\n";

  it("replaces variables, applies defaults and keeps a $$ literal", async () => {
    const c = await loadConfig({ file: yamlFile(text), env: { PW: "s3cret" } });
    expect(c.sinks[0]).toMatchObject({
      topic: "calls",
      sasl: { password: "s3cret" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal left by `$${`
      client_id: "a${literal}",
    });
    expect(JSON.stringify(redactConfig(c))).not.toContain("s3cret");
  });

  it("reports a missing variable with its path, never a value", async () => {
    const file = yamlFile(text);
    const err = await rejection(loadConfig({ file, env: {} }));
    expect(err.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(err.message).toBe(`${file}: invalid config`);
    expect(err.problems).toEqual([
      { path: "sinks[0].sasl.password", message: "environment variable PW is not set" },
    ]);
  });
});

describe("problems", () => {
  it("lists every problem at once, each with its path", async () => {
    const file = yamlFile(
      [
        "seed: -1",
        "workflows: [{ preset: a, file: b }]",
        "clock: { speed: fast, duration: 5 minutes }",
        "sinks:",
        "  - type: kafka",
        '    brokers: "a:9092"',
        "    acks: 2",
        "  - type: nope",
        "  - type: file",
        "metrics: { prot: 1 }",
        "shard: 3/2",
        "",
      ].join("\n"),
    );
    const err = await rejection(loadConfig({ file, env: {} }));
    expect(err.exitCode).toBe(2);
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message]));
    expect(byPath).toEqual({
      seed: `expected a number >= 0 (${file}:1:7)`,
      "workflows[0]": `expected exactly one of preset or file (${file}:2:13)`,
      "clock.speed": `expected a number > 0 or "max" (${file}:3:17)`,
      "clock.duration": `expected a duration such as 500ms, 30s, 90m, 1h30m or 24h (${file}:3:33)`,
      "sinks[0].brokers": `expected array of strings (${file}:6:14)`,
      "sinks[0].acks": `expected one of "all", 1, 0 (${file}:7:11)`,
      "sinks[1].type": `expected type to be one of stdout, file, parquet, kafka, otlp (${file}:8:11)`,
      "sinks[2].path": `required (${file}:9:5)`,
      "metrics.prot": `unknown key (did you mean "port"?) (${file}:10:18)`,
      shard: `expected 0 <= k < N (${file}:11:8)`,
    });
    expect(err.format().split("\n")).toHaveLength(11);
  });

  it("rejects unknown keys at every level", async () => {
    const file = yamlFile("sed: 1\nclock: { sped: 2 }\nsinks: [{ type: stdout, colour: red }]\n");
    const err = await rejection(loadConfig({ file, env: {} }));
    expect(err.problems.map((p) => p.path).sort()).toEqual(["clock.sped", "sed", "sinks[0].colour"]);
    expect(err.problems.every((p) => p.message.startsWith("unknown key"))).toBe(true);
  });

  it("suggests the nearest known key for an unknown one, as --set does", async () => {
    const text = [
      "sede: 1",
      "load: { arival_rate: 4 }",
      "sinks:",
      "  - { type: file, path: out/x.jsonl, labels_pth: out/l.jsonl }",
      "  - { type: kafka, topc: calls }",
      "metrics: { zzzzzz: 1 }",
      "",
    ].join("\n");
    const file = yamlFile(text);
    const err = await rejection(loadConfig({ file, env: {} }));
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message.replace(/ \(\/.*\)$/, "")]));
    expect(byPath).toEqual({
      sede: 'unknown key (did you mean "seed"?)',
      "load.arival_rate": 'unknown key (did you mean "arrival_rate"?)',
      // A sink is offered the keys of its own type only.
      "sinks[0].labels_pth": 'unknown key (did you mean "labels_path"?)',
      "sinks[1].topc": 'unknown key (did you mean "topic"?)',
      "metrics.zzzzzz": "unknown key",
    });
    // parseConfig (no file) gives the same hints.
    const parsed = await rejection(Promise.resolve().then(() => parseConfig({ clock: { sped: 2 } })));
    expect(parsed.problems).toEqual([{ path: "clock.sped", message: 'unknown key (did you mean "speed"?)' }]);
  });

  it("rejects a bad duration, naming the key", async () => {
    const err = await rejection(loadConfig({ file: yamlFile("drain_timeout: soon\n"), env: {} }));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.path).toBe("drain_timeout");
    expect(err.problems[0]!.message).toMatch(/^expected a duration/);
  });

  it("reports YAML syntax errors with line:col", async () => {
    const file = yamlFile("seed: 1\nclock:\n  speed: [1, 2\nsinks: x\n");
    const err = await rejection(loadConfig({ file, env: {} }));
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.problems[0]!.path).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+$`),
    );
    const dup = yamlFile("seed: 1\nseed: 2\n");
    const err2 = await rejection(loadConfig({ file: dup, env: {} }));
    expect(err2.problems[0]!.path).toBe(`${dup}:2:1`);
    expect(err2.problems[0]!.message).toMatch(/unique/i);
  });

  it("rejects a document that is not a mapping, and a missing file", async () => {
    const err = await rejection(loadConfig({ file: yamlFile("- a\n- b\n"), env: {} }));
    expect(err.problems).toEqual([{ path: "(root)", message: "expected a mapping of keys to values" }]);
    const missing = await rejection(loadConfig({ file: "/nonexistent/tracewalk.yaml", env: {} }));
    expect(missing.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(missing.message).toBe("/nonexistent/tracewalk.yaml: cannot read config: no such file");
    expect(missing.problems).toEqual([]);
  });
});
