import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-generate-cli-");
afterAll(() => tmp.remove());

describe("tracewalk generate", () => {
  it("writes the same bytes for the same command, and the shards' union is the whole run", async () => {
    const out = (name: string) => join(tmp.dir, name);
    const args = ["generate", "--users", "300", "--seed", "9", "--cascade-rate", "0.2", "--no-progress"];
    const runs = await Promise.all([
      runCli([...args, "--out", out("a.jsonl")]),
      runCli([...args, "--out", out("b.jsonl")]),
      runCli([...args, "--out", out("s0.jsonl"), "--shard", "0/2"]),
      runCli([...args, "--out", out("s1.jsonl"), "--shard", "1/2"]),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const a = readFileSync(out("a.jsonl"), "utf8");
    expect(a.length).toBeGreaterThan(10_000);
    expect(readFileSync(out("b.jsonl"), "utf8")).toBe(a);
    expect(readFileSync(out("a.labels.jsonl"), "utf8")).toBe(readFileSync(out("b.labels.jsonl"), "utf8"));
    const lines = (f: string) => readFileSync(out(f), "utf8").split("\n").filter(Boolean);
    expect([...lines("s0.jsonl"), ...lines("s1.jsonl")].sort()).toEqual(lines("a.jsonl").sort());
  });

  it("starts at the documented instant without --start, and at --start when given", async () => {
    const first = async (...extra: string[]) => {
      const r = await runCli(["generate", "--users", "50", "--out", "-", ...extra]);
      return JSON.parse(r.stdout.split("\n")[0]!).timestamp as string;
    };
    expect((await first()).startsWith("2026-01-01T")).toBe(true);
    expect((await first("--start", "2030-06-01T00:00:00Z")).startsWith("2030-06-01T")).toBe(true);
  });

  it("draws a progress bar with users done, events/s and ETA on a terminal only", () => {
    const cmd = `${process.execPath} ${MAIN} generate --users 2000 --out ${join(tmp.dir, "tty.jsonl")}`;
    // `script` gives the command a pseudo-terminal, as a user's shell would.
    const tty = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8" });
    expect(tty.status, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/users 2,000\/2,000 done {2}[\d,]+ events\/s {2}ETA 0s/);
    const noBar = spawnSync("script", ["-qec", `${cmd} --no-progress`, "/dev/null"], { encoding: "utf8" });
    expect(noBar.stdout).not.toContain("events/s");
    const piped = spawnSync(process.execPath, [MAIN, "generate", "--users", "2000", "--out", "-"], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    expect(piped.stderr).not.toContain("events/s");
  });

  it("rejects bad arguments with exit 2 and no stack trace", async () => {
    for (const args of [
      ["--users", "ten", "--out", "-"],
      ["--users", "10"],
      ["--users", "10", "--out", "-", "--shard", "3/2"],
      ["--users", "10", "--out", "-", "--format", "csv"],
      ["--users", "10", "--out", "-", "--start", "yesterday"],
      ["--users", "10", "--out", "-", "--cascade-rate", "2"],
      ["--users", "10", "--out", "-", "--workflow", "no-such-preset"],
      ["--users", "10", "--out", "-", "--bogus"],
    ]) {
      const r = await runCli(["generate", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });
});
