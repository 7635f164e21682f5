import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

// Each replica of a StatefulSet or indexed Job runs the same command, `--shard auto/N`, and finds its k
// in its environment; it must then write exactly what `--shard k/N` writes.

const tmp = tempDir("tw-shard-auto-");
afterAll(() => tmp.remove());

const run = (out: string, shard: string, env: NodeJS.ProcessEnv) =>
  runCli(
    [
      "run",
      "--metrics-addr",
      "127.0.0.1:0",
      "--log-level",
      "warn",
      "--speed",
      "max",
      "--duration",
      "2m",
    ].concat(["--shard", shard, "--out", join(tmp.dir, out)]),
    { env: { HOSTNAME: "", POD_INDEX: "", JOB_COMPLETION_INDEX: "", ...env } },
  );

describe("run --shard auto/N", () => {
  it("writes what --shard k/N writes, k from the StatefulSet host name or the Job's completion index", async () => {
    const [auto, fromJob, fixed] = await Promise.all([
      run("auto.jsonl", "auto/2", { HOSTNAME: "tracewalk-1" }),
      run("job.jsonl", "auto/2", { JOB_COMPLETION_INDEX: "1", HOSTNAME: "tracewalk-run-1-x7k2p" }),
      run("fixed.jsonl", "1/2", {}),
    ]);
    for (const r of [auto, fromJob, fixed]) expect(r.code, r.stderr).toBe(0);
    const expected = readFileSync(join(tmp.dir, "fixed.jsonl"), "utf8");
    expect(expected.length).toBeGreaterThan(1000);
    expect(readFileSync(join(tmp.dir, "auto.jsonl"), "utf8")).toBe(expected);
    expect(readFileSync(join(tmp.dir, "job.jsonl"), "utf8")).toBe(expected);
  });

  it("exits 2 naming shard and the variables to set when no index is found, with no stack trace", async () => {
    const r = await run("none.jsonl", "auto/2", { HOSTNAME: "laptop" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("shard");
    expect(r.stderr).toContain("needs this replica's index");
    expect(r.stderr).toContain("(from --shard)");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
