import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config/index.js";
import { labelRoutes, logLabelRoutes } from "../../src/daemon/labels.js";

const sinks = [
  { type: "file", path: "out/e.jsonl" },
  { type: "parquet", path: "out/e.parquet", labels_path: "truth/p.jsonl" },
  { type: "kafka", topic: "calls" },
  { type: "stdout" },
  { type: "stdout", name: "stdout-kept", labels_path: "out/s.labels.jsonl" },
];

/** The log lines logLabelRoutes writes for a config, parsed. */
function logged(config: Config): { level: number; msg: string; sink?: string }[] {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  logLabelRoutes(config, pino({ level: "info" }, out));
  return lines.map((l) => JSON.parse(l));
}

describe("label routes", () => {
  it("says for each sink where its labels go", () => {
    const c = parseConfig({ sinks });
    expect(labelRoutes(c.sinks).map((r) => [r.sink, r.labels])).toEqual([
      ["file", "file out/e.labels.jsonl"],
      ["parquet", "file truth/p.jsonl"],
      ["kafka", "topic calls.labels"],
      ["stdout-3", "not written"],
      ["stdout-kept", "file out/s.labels.jsonl"],
    ]);
  });

  it("warns at start, naming the sink, when labels can occur and a sink drops them", () => {
    const lines = logged(parseConfig({ sinks, generation: { cascade_rate: 0.1 } }));
    expect(lines[0]).toMatchObject({ level: 30 });
    expect(lines[0]!.msg).toContain("stdout-3 -> not written");
    expect(lines[0]!.msg).toContain("kafka -> topic calls.labels");
    const warns = lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ sink: "stdout-3" });
    expect(warns[0]!.msg).toContain('not written for sink "stdout-3"');
    expect(warns[0]!.msg).toContain("labels_path");
  });

  it("does not warn when no label can occur", () => {
    const lines = logged(parseConfig({ sinks: [{ type: "stdout" }] }));
    expect(lines.map((l) => l.level)).toEqual([30]);
    expect(lines[0]!.msg).toBe("cascade labels: stdout -> not written");
  });
});
