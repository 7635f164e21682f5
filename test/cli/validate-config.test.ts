import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-validate-config-");
afterAll(() => tmp.remove());

describe("tracewalk validate with daemon configs", () => {
  it("accepts the example configs", async () => {
    const r = await runCli([
      "validate",
      "config/tracewalk.yaml",
      "config/kafka.yaml",
      "config/closed-model.yaml",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("ok  config/kafka.yaml (config, 1 workflow)");
  });

  it("reports every config problem with its path and line, exit 2, no stack", async () => {
    const file = join(tmp.dir, "bad.yaml");
    writeFileSync(
      file,
      "sinks:\n  - type: kafka\n    brokers: 3\nclock: { speed: -1 }\nworkflows: [{ preset: nope }]\n",
    );
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sinks[0].brokers");
    expect(r.stderr).toContain("clock.speed");
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("loads the workflows a config names and reports an unknown preset", async () => {
    const file = join(tmp.dir, "unknown.yaml");
    writeFileSync(file, "workflows: [{ preset: nope }]\n");
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nope");
  });
});
