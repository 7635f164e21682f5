import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse as parseYaml } from "yaml";
import { schemaCommand } from "../../src/cli/commands/schema.js";
import { configJsonSchema, configReference, loadConfig, sinksReference } from "../../src/config/index.js";
import { EVENT_FIELDS } from "../../src/event/index.js";
import { rejection } from "./helpers.js";
import { unknownKeywords, validate } from "./json-schema-lite.js";

const examples = readdirSync("config")
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join("config", f));

describe("example configs", () => {
  it("includes the three documented examples", () => {
    expect(examples).toEqual(
      expect.arrayContaining(["config/tracewalk.yaml", "config/kafka.yaml", "config/closed-model.yaml"]),
    );
  });

  it.each(examples)("%s loads", async (file) => {
    const c = await loadConfig({ file, env: {} });
    expect(c.sinks.length).toBeGreaterThan(0);
  });

  it("config/tracewalk.yaml spells out exactly the defaults", async () => {
    expect(await loadConfig({ file: "config/tracewalk.yaml", env: {} })).toEqual(
      await loadConfig({ env: {} }),
    );
  });

  it("config/tracewalk.yaml's comment on cascade_rate says what the schema and docs/configuration.md say", () => {
    const schema = configJsonSchema() as {
      properties: { generation: { properties: { cascade_rate: { description: string } } } };
    };
    const described = schema.properties.generation.properties.cascade_rate.description;
    expect(described).toMatch(/^Fraction of sessions that get a cascade in their second half/);
    const comment = /^ {2}cascade_rate: 0 # (.+)$/m.exec(readFileSync("config/tracewalk.yaml", "utf8"))?.[1];
    expect(`${comment}.`.toLowerCase()).toBe(described.toLowerCase());
    const reference = readFileSync("docs/configuration.md", "utf8");
    expect(reference).toContain(`| \`generation.cascade_rate\` | number | \`0\` | ${described} |`);
  });

  it("config/kafka.yaml targets localhost:9092 and keeps the secret commented out", async () => {
    const c = await loadConfig({ file: "config/kafka.yaml", env: {} });
    expect(c.sinks[0]).toMatchObject({ type: "kafka", brokers: ["localhost:9092"] });
    expect(readFileSync("config/kafka.yaml", "utf8")).toMatch(/#\s*password: \$\{KAFKA_SASL_PASSWORD\}/);
  });

  it("config/kafka.yaml's labels follow its topic, also when the environment renames the topic", async () => {
    const c = await loadConfig({ file: "config/kafka.yaml", env: {} });
    expect(c.sinks[0]).toMatchObject({ topic: "api-calls", labels_topic: "api-calls.labels" });
    const env = { TRACEWALK_SINKS__0__TOPIC: "orders" };
    const renamed = await loadConfig({ file: "config/kafka.yaml", env });
    expect(renamed.sinks[0]).toMatchObject({ topic: "orders", labels_topic: "orders.labels" });
  });

  it.each(examples)("%s validates against the JSON Schema", (file) => {
    const value = parseYaml(readFileSync(file, "utf8")) ?? {};
    expect(validate(configJsonSchema(), value)).toEqual([]);
  });
});

describe("configJsonSchema", () => {
  // biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
  const schema = configJsonSchema() as Record<string, any>;

  it("is a draft 2020-12 schema using only known keywords", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
    expect(unknownKeywords(schema)).toEqual([]);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it("describes sinks as one variant per type and the contract's keys", () => {
    expect(schema.properties.sinks.type).toBe("array");
    const variants: { properties: { type: { const: string } } }[] = schema.properties.sinks.items.oneOf;
    const types = variants.map((v) => v.properties.type.const);
    expect(types).toEqual(["stdout", "file", "parquet", "kafka", "otlp"]);
    const keys = Object.keys(schema.properties);
    for (const k of [
      "seed",
      "workflows",
      "load",
      "clock",
      "sinks",
      "cascades",
      "metrics",
      "log",
      "generation",
    ]) {
      expect(keys).toContain(k);
    }
  });

  it("rejects what the loader rejects, structurally", () => {
    expect(validate(schema, { sinks: [{ type: "kafka", brokers: "a" }] })).not.toEqual([]);
    expect(validate(schema, { sead: 1 })).not.toEqual([]);
    expect(validate(schema, { clock: { duration: "5 minutes" } })).not.toEqual([]);
  });
});

describe("configReference and sinksReference", () => {
  it("document every key with type, default and description", () => {
    const md = `${configReference()}\n${sinksReference()}`;
    expect(sinksReference()).toContain("## `type: kafka`");
    expect(md).toContain("| `seed` | integer | `42` |");
    expect(md).toContain('| `clock.speed` | number \\| `"max"` | `60` |');
    expect(md).toContain("TRACEWALK_CLOCK__SPEED=max");
    const rows = md.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) expect(row.split(" | ")[3]?.trim(), row).not.toBe("|");
  });
});

describe("tracewalk schema", () => {
  afterEach(() => vi.restoreAllMocks());

  async function capture(argv: string[]): Promise<{ code: number; out: string }> {
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    const code = await schemaCommand.run(argv);
    return { code, out };
  }

  it("schema config prints the config's JSON Schema", async () => {
    const { code, out } = await capture(["config"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(configJsonSchema());
  });

  it("schema event prints Event v1 with every field required, in order, and v2's optional error", async () => {
    const { code, out } = await capture(["event"]);
    expect(code).toBe(0);
    const schema = JSON.parse(out);
    expect(schema.required).toEqual([...EVENT_FIELDS]);
    expect(Object.keys(schema.properties)).toEqual([...EVENT_FIELDS, "error"]);
    expect(unknownKeywords(schema)).toEqual([]);
    const event = {
      event_id: "e-1",
      timestamp: "2026-01-01T00:00:00.000Z",
      workflow: "ecommerce",
      user_id: "u-1",
      user_type: "buyer",
      session_id: "s-1",
      call_index: 0,
      endpoint: "/api/products/{id}",
      path: "/api/products/7",
      method: "GET",
      params: { id: 7 },
      status_code: 200,
      response_time_ms: 12.5,
      is_retry: false,
      cascade_id: null,
    };
    expect(validate(schema, event)).toEqual([]);
    expect(validate(schema, { ...event, cascade_id: "c-1" })).toEqual([]);
    expect(validate(schema, { ...event, method: "FETCH" })).not.toEqual([]);
    expect(validate(schema, { ...event, extra: 1 })).not.toEqual([]);
    // Event v2 (HTTP mode): an error kind with status 0, or null.
    expect(validate(schema, { ...event, status_code: 0, error: "timeout" })).toEqual([]);
    expect(validate(schema, { ...event, error: null })).toEqual([]);
    expect(validate(schema, { ...event, error: "meltdown" })).not.toEqual([]);
  });

  it("an unknown or missing subject is a usage error (exit 2)", async () => {
    for (const argv of [["workflow"], [], ["toString"]]) {
      const err = await rejection(schemaCommand.run(argv));
      expect(err.exitCode).toBe(2);
    }
  });
});
