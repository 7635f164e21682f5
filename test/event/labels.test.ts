import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { schemaCommand } from "../../src/cli/commands/schema.js";
import { labelJsonSchema, labelRecord } from "../../src/event/labels.js";
import { unknownKeywords, validate } from "../config/json-schema-lite.js";

const golden = readFileSync(
  new URL("../fixtures/golden/ecommerce-cascade.labels.jsonl", import.meta.url),
  "utf8",
)
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const WINDOW = {
  cascade_id: "pay-0",
  name: "pay",
  state: "open",
  start: "2026-01-01T00:10:00.000Z",
  end: "2026-01-01T00:20:00.000Z",
  scope: { endpoints: ["/pay*"], share: 1 },
  effects: {
    slow: { probability: 0.6, factor: [3, 10] },
    timeout: { probability: 0.2, after: 30000, status: 504 },
    unavailable: { probability: 0.15, status: 503 },
    retry: { probability: 0.3, backoff: [200, 2000], max: 3 },
  },
  triggered: false,
};

describe("one schema for label records", () => {
  afterEach(() => vi.restoreAllMocks());

  it("takes window and per-session records in one effects shape, and refuses the old flat one", () => {
    expect(golden.length).toBeGreaterThan(5);
    for (const l of [...golden, WINDOW]) expect(labelRecord.safeParse(l).error).toBeUndefined();
    expect(golden[0]!.effects).toEqual({
      slow: { probability: 0.6, factor: [3, 10] },
      timeout: { probability: 0.2, after: 30000, status: 504 },
      unavailable: { probability: 0.15, status: 503 },
      retry: { probability: 0.3, backoff: [100, 2000], max: 1 },
    });
    const flat = { ...golden[0], effects: { slow_probability: 0.6 } };
    expect(labelRecord.safeParse(flat).success).toBe(false);
    // The injectors' field: "none", or what injected, by what, when.
    expect(labelRecord.safeParse({ ...WINDOW, inject: "none" }).success).toBe(true);
    const by = [{ by: "toxiproxy", at: "2026-01-01T00:10:00.120Z", proxy: "api" }];
    expect(labelRecord.safeParse({ ...WINDOW, inject: by }).success).toBe(true);
    expect(labelRecord.safeParse({ ...WINDOW, inject: [{ at: "x" }] }).success).toBe(false);
  });

  it("is published by `tracewalk schema label` as JSON Schema that accepts the records", async () => {
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    expect(await schemaCommand.run(["label"])).toBe(0);
    const schema = JSON.parse(out);
    expect(schema).toEqual(labelJsonSchema());
    expect(schema.required).toEqual(["cascade_id", "name", "start", "end", "scope", "effects"]);
    expect(unknownKeywords(schema)).toEqual([]);
    for (const l of [...golden, WINDOW]) expect(validate(schema, l)).toEqual([]);
    expect(validate(schema, { ...WINDOW, effects: {} })).not.toEqual([]);
  });
});
