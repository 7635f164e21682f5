import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, runCli, tempDir } from "../helpers/cli.js";

// Needs the built CLI (`npm run build`; `npm test` builds first). Standard output is written by the
// main thread from the batches the generating worker packs (daemon/jsonl-relay.ts).
const { dir, remove } = tempDir("tw-gen-stdout-");
afterAll(remove);

const base = [
  "generate",
  "--users",
  "400",
  "--days",
  "1",
  "--seed",
  "7",
  "--cascade-rate",
  "0.3",
  "--no-progress",
];

describe("generate --out -", () => {
  it("writes to standard output the bytes it writes to a file, and the same labels", async () => {
    const file = join(dir, "f.jsonl");
    const toFile = await runCli([...base, "--out", file]);
    expect(toFile.code).toBe(0);
    const labels = join(dir, "stdout.labels.jsonl");
    const toStdout = await runCli([...base, "--out", "-", "--labels", labels]);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout.length).toBeGreaterThan(100_000);
    expect(toStdout.stdout).toBe(readFileSync(file, "utf8"));
    const fileLabels = readFileSync(join(dir, "f.labels.jsonl"), "utf8");
    expect(fileLabels.split("\n").length).toBeGreaterThan(10);
    expect(readFileSync(labels, "utf8")).toBe(fileLabels);
  });

  it("stops quietly with exit 0 when the reader goes away after the first bytes", async () => {
    const child = spawn(process.execPath, [MAIN, "generate", "--users", "20000", "--out", "-"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // The first chunk arrives, then the reader closes its end (as `| head -1` does).
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect([code, stderr]).toEqual([0, ""]);
  });

  it("is no longer split over threads: --threads is an unknown option (exit 2)", async () => {
    const r = await runCli([...base, "--out", "-", "--threads", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--threads'");
  });
});
