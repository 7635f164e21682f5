import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli, tempDir, waitFor } from "../helpers/cli.js";

// `generate --config` stops on SIGTERM as `run` does: arrivals stop, the drain is bounded by
// drain_timeout, what was accepted is flushed (or counted), and the process exits by itself.

const tmp = tempDir("tw-generate-signal-");
const children: ReturnType<typeof runCli>["child"][] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => tmp.remove());

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe("generate --config and SIGTERM", () => {
  it("stops within drain_timeout, every accepted event written, exit 0", async () => {
    const config = join(tmp.dir, "long.yaml");
    // A year of virtual time: far longer than the test; only the signal ends it.
    writeFileSync(config, "load: { arrival_rate: 50 }\nclock: { duration: 365d }\ndrain_timeout: 3s\n");
    const out = join(tmp.dir, "long.jsonl");
    const gen = runCli(["generate", "--config", config, "--out", out]);
    children.push(gen.child);
    await waitFor("events in the file", () => size(out) > 100_000);
    const t0 = performance.now();
    gen.child.kill("SIGTERM");
    const r = await gen;
    const ms = performance.now() - t0;
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.signal).toBeNull();
    expect(ms).toBeLessThan(3000 + 3000);
    expect(r.stderr).toContain("stopping: the dataset will be partial");
    // What it says it wrote is what the file holds, every line whole.
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.split("\n").filter(Boolean);
    for (const l of [lines[0]!, lines[lines.length - 1]!]) expect(() => JSON.parse(l)).not.toThrow();
    expect(r.stdout + r.stderr).toContain(String(lines.length));
  });
});
