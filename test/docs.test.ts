import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configReference } from "../src/config/index.js";

describe("README", () => {
  it("carries the configuration reference generated from the schema (npm run docs)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("<!-- config-reference:start -->");
    const end = readme.indexOf("<!-- config-reference:end -->");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, end).split("\n").slice(1).join("\n").trim();
    expect(section).toBe(configReference().trim());
  });

  it("documents every command the CLI has", async () => {
    const { commands } = await import("../src/cli/commands/index.js");
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const c of commands) expect(readme).toContain(`tracewalk ${c.name}`);
  });
});
