import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import { defaultLabelsPath } from "../../src/sinks/files.js";
import { rejection, yamlFile } from "./helpers.js";

describe("sink config: where events and labels go", () => {
  it("rejects a file sink whose path ends in .parquet, naming the path and suggesting type: parquet", async () => {
    const file = yamlFile("sinks:\n  - type: stdout\n  - type: file\n    path: out/events.PARQUET\n");
    const err = await rejection(loadConfig({ file, env: {} }));
    expect(err.code).toBe("TW_CONFIG_INVALID");
    expect(err.exitCode).toBe(2);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.path).toBe("sinks[1].path");
    expect(err.problems[0]!.message).toContain("for Parquet use `type: parquet`");
    expect(err.problems[0]!.message).toContain(`${file}:4:`);
  });

  it("rejects labels_path equal to path, and a labels_path ending in .parquet", async () => {
    const same = yamlFile("sinks: [{type: parquet, path: out/a.parquet, labels_path: out/a.parquet}]\n");
    const e1 = await rejection(loadConfig({ file: same, env: {} }));
    expect(e1.problems.map((p) => p.path)).toContain("sinks[0].labels_path");
    const pq = yamlFile("sinks: [{type: stdout, labels_path: out/labels.parquet}]\n");
    const e2 = await rejection(loadConfig({ file: pq, env: {} }));
    expect(e2.problems[0]).toMatchObject({ path: "sinks[0].labels_path" });
    expect(e2.problems[0]!.message).toContain("use a .jsonl path");
  });

  it("gives parquet the same default labels path as file, and keeps a given one; stdout has none unless given", async () => {
    const file = yamlFile(
      [
        "sinks:",
        "  - {type: parquet, path: out/p.parquet}",
        "  - {type: parquet, path: out/q.parquet, labels_path: truth/q.jsonl}",
        "  - {type: stdout}",
        "  - {type: stdout, labels_path: out/stdout.labels.jsonl}",
        "",
      ].join("\n"),
    );
    const c = await loadConfig({ file, env: {} });
    expect(c.sinks.map((s) => ("labels_path" in s ? s.labels_path : undefined))).toEqual([
      "out/p.labels.jsonl",
      "truth/q.jsonl",
      undefined,
      "out/stdout.labels.jsonl",
    ]);
  });

  it("fills the same default labels path as the sinks do when built without a config", () => {
    for (const path of ["out/e.jsonl", "out/e", "out.d/e", "e.json", "a/b.c.parquet", "./x.log"]) {
      const type = path.endsWith(".parquet") ? "parquet" : "file";
      const [sink] = parseConfig({ sinks: [{ type, path }] }).sinks;
      expect(sink).toMatchObject({ labels_path: defaultLabelsPath(path) });
    }
    expect(defaultLabelsPath("out.d/e")).toBe("out.d/e.labels.jsonl");
    expect(defaultLabelsPath("a/b.c.parquet")).toBe("a/b.c.labels.jsonl");
  });
});
