import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readParquetEvents } from "../../src/recordings/parquet.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

let tmp: { dir: string; remove: () => void };
beforeAll(() => {
  tmp = tempDir("tw-daemon-labels-");
});
afterAll(() => tmp.remove());

const base = [
  "run",
  "--metrics-addr",
  "127.0.0.1:0",
  "--speed",
  "max",
  "--duration",
  "10m",
  "--set",
  "generation.cascade_rate=0.3",
];

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** The distinct cascade ids carried by events. */
const cascadeIds = (events: { cascade_id: unknown }[]) =>
  [...new Set(events.map((e) => e.cascade_id).filter((c) => c !== null))].sort();

describe("tracewalk run: cascade labels", () => {
  it("warns at start that a stdout sink without labels_path drops labels, and never prints them", async () => {
    const r = await runCli([...base, "--out", "-", "--log-level", "warn"]);
    expect(r.code, r.stderr).toBe(0);
    const logs = jsonLines(r.stderr);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 40, sink: "stdout" });
    expect(logs[0]!.msg).toContain('cascade labels are not written for sink "stdout"');
    const events = jsonLines(r.stdout);
    expect(cascadeIds(events as { cascade_id: unknown }[]).length).toBeGreaterThan(0);
    expect(events.every((e) => "event_id" in e)).toBe(true);
  });

  it("writes a stdout sink's labels to its labels_path, and logs where every sink's labels go", async () => {
    const labels = join(tmp.dir, "stdout.labels.jsonl");
    const sinks = `sinks=[{type: stdout, labels_path: ${JSON.stringify(labels)}}]`;
    const r = await runCli([...base, "--set", sinks, "--log-level", "info"]);
    expect(r.code, r.stderr).toBe(0);
    const routes = jsonLines(r.stderr).find((l) => String(l.msg).startsWith("cascade labels:"));
    expect(routes).toMatchObject({ level: 30, labels: { stdout: `file ${labels}` } });
    expect(jsonLines(r.stderr).some((l) => l.level === 40)).toBe(false);
    const written = jsonLines(readFileSync(labels, "utf8"));
    const events = jsonLines(r.stdout) as { cascade_id: unknown }[];
    expect(written.map((l) => l.cascade_id).sort()).toEqual(cascadeIds(events));
  });

  it("writes Parquet for --out x.parquet, with its labels beside it", async () => {
    const out = join(tmp.dir, "run.parquet");
    const r = await runCli([...base, "--out", out, "--log-level", "warn"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const events: { cascade_id: unknown }[] = [];
    for await (const e of readParquetEvents(out)) events.push(e);
    expect(events.length).toBeGreaterThan(1000);
    const labels = jsonLines(readFileSync(join(tmp.dir, "run.labels.jsonl"), "utf8"));
    expect(labels.map((l) => l.cascade_id).sort()).toEqual(cascadeIds(events));
  });

  it("refuses a file sink with a .parquet path: exit 2, the key path, a hint, no stack", async () => {
    const config = join(tmp.dir, "bad.yaml");
    writeFileSync(config, "sinks:\n  - type: file\n    path: out/events.parquet\n");
    const r = await runCli(["run", "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sinks[0].path");
    expect(r.stderr).toContain("for Parquet use `type: parquet`");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("stops with the cause when a file sink cannot be opened (exit 2) or written (exit 1)", async () => {
    const blocker = join(tmp.dir, "blocker");
    writeFileSync(blocker, "x");
    const [open, full] = await Promise.all([
      runCli([...base, "--out", join(blocker, "e.jsonl")]),
      // /dev/full fails every write with ENOSPC, as a full disk does.
      runCli([...base, "--out", "/dev/full"]),
    ]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain(
      `cannot open ${blocker}/e.jsonl for writing: ${blocker} is a file, not a directory`,
    );
    expect(full.code).toBe(1);
    expect(full.stderr).toContain("tracewalk run: writing /dev/full failed: ENOSPC: no space left on device");
    for (const r of [open, full]) expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
