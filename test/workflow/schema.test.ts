import { describe, expect, it } from "vitest";
import { workflowJsonSchema } from "../../src/workflow/index.js";

describe("workflowJsonSchema", () => {
  it("is a strict draft 2020-12 schema with the workflow's fields", () => {
    const schema = workflowJsonSchema() as {
      $schema: string;
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual(["entry_points", "exit_points", "name", "transitions"]);
    expect(Object.keys(schema.properties)).toContain("endpoints");
  });
});
