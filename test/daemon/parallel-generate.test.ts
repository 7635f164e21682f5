import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { subShard } from "../../src/daemon/parallel-generate.js";
import { runCli, tempDir } from "../helpers/cli.js";

// Needs the built CLI (`npm run build`; `npm test` builds first).
const { dir, remove } = tempDir("tw-parallel-");
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

async function toFile(name: string, extra: string[]): Promise<{ events: string; labels: string }> {
  const out = join(dir, `${name}.jsonl`);
  const r = await runCli([...base, "--out", out, ...extra]);
  expect(r.stderr).toMatch(/^wrote \d+ events/);
  expect(r.code).toBe(0);
  return {
    events: readFileSync(out, "utf8"),
    labels: readFileSync(join(dir, `${name}.labels.jsonl`), "utf8"),
  };
}

describe("generate --threads", () => {
  it("writes byte-identical events and labels files for 1, 2 and 3 threads", async () => {
    const one = await toFile("t1", ["--threads", "1"]);
    expect(one.events.split("\n").length).toBeGreaterThan(1000);
    expect(one.labels.split("\n").length).toBeGreaterThan(10);
    for (const t of ["2", "3"]) expect(await toFile(`t${t}`, ["--threads", t])).toEqual(one);
  });

  it("writes byte-identical shards for 1 and 2 threads", async () => {
    const one = await toFile("s1", ["--shard", "1/3", "--threads", "1"]);
    expect(await toFile("s2", ["--shard", "1/3", "--threads", "2"])).toEqual(one);
  });

  it("writes byte-identical standard output for 1, 2 and 3 threads", async () => {
    const outs: string[] = [];
    for (const t of ["1", "2", "3"]) {
      const r = await runCli([...base, "--out", "-", "--threads", t]);
      expect(r.code).toBe(0);
      outs.push(r.stdout);
    }
    expect(outs[0]!.length).toBeGreaterThan(100_000);
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
  });

  it("exits 2 on a bad thread count", async () => {
    for (const t of ["0", "x", "1.5", "65"]) {
      const r = await runCli([...base, "--out", join(dir, "bad.jsonl"), "--threads", t]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--threads");
    }
    expect(existsSync(join(dir, "bad.jsonl"))).toBe(false);
  });

  it("keeps Parquet on one worker", async () => {
    const r = await runCli([...base, "--out", join(dir, "p.parquet"), "--threads", "2"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "p.parquet"))).toBe(true);
  });
});

describe("subShard", () => {
  it("splits the users of shard k/N into P disjoint classes that cover them", () => {
    for (const [k, n, p] of [
      [0, 1, 2],
      [1, 3, 2],
      [2, 5, 3],
    ] as const) {
      const mine = Array.from({ length: 200 }, (_, u) => u).filter((u) => u % n === k);
      const parts = Array.from({ length: p }, (_, j) => subShard({ index: k, count: n }, j, p));
      const covered = mine.map((u) => parts.filter((s) => u % s.count === s.index).length);
      expect(covered.every((c) => c === 1)).toBe(true);
      const others = Array.from({ length: 200 }, (_, u) => u).filter((u) => u % n !== k);
      expect(others.some((u) => parts.some((s) => u % s.count === s.index))).toBe(false);
    }
  });
});
