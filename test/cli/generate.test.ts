import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

/** The distinct cascade_ids of a Parquet file's events, read by pyarrow (the reader users have). */
function parquetCascadeIds(path: string): string[] {
  const script =
    "import json, sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1], columns=['cascade_id']); " +
    "print(json.dumps(sorted({c for c in t.column('cascade_id').to_pylist() if c is not None})))";
  return JSON.parse(execFileSync("python3", ["-c", script, path], { encoding: "utf8" })) as string[];
}

function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

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

describe("tracewalk generate: labels", () => {
  const small = ["generate", "--users", "200", "--seed", "3", "--cascade-rate", "0.3", "--no-progress"];

  it("writes Parquet labels to --labels, and by default beside the file; the summary names them", async () => {
    const pq = join(tmp.dir, "lab.parquet");
    const given = join(tmp.dir, "truth", "given.jsonl");
    const [withFlag, byDefault] = await Promise.all([
      runCli([...small, "--out", pq, "--labels", given]),
      runCli([...small, "--out", join(tmp.dir, "def.parquet")]),
    ]);
    expect(withFlag.code, withFlag.stderr).toBe(0);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    const labels = jsonLines(given);
    expect(labels.length).toBeGreaterThan(10);
    expect(withFlag.stderr).toMatch(
      new RegExp(`^wrote \\d+ events of \\d+ sessions to ${pq}; ${labels.length} labels to ${given}\n$`),
    );
    expect(existsSync(join(tmp.dir, "lab.labels.jsonl"))).toBe(false);
    expect(readFileSync(join(tmp.dir, "def.labels.jsonl"), "utf8")).toBe(readFileSync(given, "utf8"));
    // Every cascade the events carry has its label, and every label its events.
    const ids = labels.map((l) => l.cascade_id as string).sort();
    expect(parquetCascadeIds(pq)).toEqual([...new Set(ids)]);
  });

  it("writes labels to --labels with --out -, none on standard output, and says where on stderr", async () => {
    const labels = join(tmp.dir, "stdout.labels.jsonl");
    const toFile = join(tmp.dir, "same.jsonl");
    const [piped, file] = await Promise.all([
      runCli([...small, "--out", "-", "--labels", labels]),
      runCli([...small, "--out", toFile]),
    ]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(file.code, file.stderr).toBe(0);
    expect(piped.stderr).toBe(`tracewalk generate: cascade labels go to ${labels}\n`);
    expect(piped.stdout).toBe(readFileSync(toFile, "utf8"));
    expect(piped.stdout).not.toContain('"effects"');
    expect(readFileSync(labels, "utf8")).toBe(readFileSync(join(tmp.dir, "same.labels.jsonl"), "utf8"));
  });

  it("says on stderr that labels are not written with --out - and no --labels, only when they can occur", async () => {
    const [lossy, none] = await Promise.all([
      runCli([...small, "--out", "-"]),
      runCli(["generate", "--users", "20", "--no-progress", "--out", "-"]),
    ]);
    expect(lossy.code).toBe(0);
    expect(lossy.stderr).toContain("cascade labels are not written with --out - (add --labels PATH");
    expect(none.stderr).toBe("");
  });

  it("prints no labels in the summary when there are none, and labels in --json", async () => {
    const out = join(tmp.dir, "quiet.jsonl");
    const quiet = await runCli(["generate", "--users", "20", "--no-progress", "--out", out]);
    expect(quiet.stderr).toMatch(/^wrote \d+ events of \d+ sessions to .*quiet\.jsonl; no labels\n$/);
    const j = await runCli([...small, "--out", join(tmp.dir, "j.jsonl"), "--json"]);
    const summary = JSON.parse(j.stderr);
    expect(summary.labels).toBe(jsonLines(join(tmp.dir, "j.labels.jsonl")).length);
    expect(summary.labels_out).toBe(join(tmp.dir, "j.labels.jsonl"));
  });

  it("refuses with exit 2 labels onto the events, labels as .parquet, and JSON lines under a .parquet name", async () => {
    const out = join(tmp.dir, "clash.jsonl");
    const cases: [string[], string][] = [
      [["--out", out, "--labels", out], "--labels: must differ from --out"],
      [["--out", out, "--labels", join(tmp.dir, "l.parquet")], "use a .jsonl path"],
      [["--out", join(tmp.dir, "j.parquet"), "--format", "jsonl"], "JSON lines under a Parquet name"],
    ];
    const runs = await Promise.all(cases.map(([extra]) => runCli([...small, ...extra])));
    runs.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(" ")).toBe(2);
      expect(r.stderr).toContain(cases[i]![1]);
    });
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(tmp.dir, "j.parquet"))).toBe(false);
  });
});

describe("tracewalk generate: output errors say why", () => {
  const args = ["generate", "--users", "3000", "--no-progress"];

  it("exits 2 with the system's reason when --out cannot be opened, for JSONL and Parquet", async () => {
    const blocker = join(tmp.dir, "a-file");
    writeFileSync(blocker, "x");
    const taken = join(tmp.dir, "a-dir.parquet");
    mkdirSync(taken);
    const takenLabels = join(tmp.dir, "labels-dir.jsonl");
    mkdirSync(takenLabels);
    const dangling = join(tmp.dir, "dangling");
    symlinkSync(join(tmp.dir, "nowhere"), dangling);
    const cases: [string[], string][] = [
      [["--out", join(blocker, "x.jsonl")], `${blocker} is a file, not a directory`],
      [["--out", join(dangling, "x.jsonl")], `${dangling} is a symbolic link to a path that does not exist`],
      // Where the system refuses a directory with ENOENT although its parent exists, Node's recursive
      // mkdir retried forever and the run never started.
      [
        ["--out", "/proc/tracewalk-nowhere/x.jsonl"],
        "ENOENT: no such file or directory, mkdir '/proc/tracewalk-nowhere'",
      ],
      [["--out", "/proc/tracewalk-nowhere/x.parquet"], "mkdir '/proc/tracewalk-nowhere'"],
      [["--out", join(blocker, "x.parquet")], `${blocker} is a file, not a directory`],
      [["--out", taken], "EISDIR: illegal operation on a directory"],
      [["--out", "-", "--cascade-rate", "0.5", "--labels", takenLabels], "EISDIR"],
    ];
    const runs = await Promise.all(cases.map(([extra]) => runCli([...args, ...extra])));
    runs.forEach((r, i) => {
      const [extra, why] = cases[i]!;
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/tracewalk generate: cannot open .* for writing: /);
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(STACK_LINE);
    });
  });

  it("exits 1 naming the cause when writes fail (disk full), for JSONL and Parquet", async () => {
    // /dev/full opens, then fails every write with ENOSPC, as a full disk does.
    const runs = await Promise.all([
      runCli([...args, "--out", "/dev/full"]),
      runCli([...args, "--out", "/dev/full", "--format", "parquet"]),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain("writing /dev/full failed");
      expect(r.stderr).toContain("ENOSPC: no space left on device");
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    // Parquet's problem list crossed from the worker thread intact.
    expect(runs[1]!.stderr).toBe(
      "tracewalk generate: writing /dev/full failed\n  /dev/full: ENOSPC: no space left on device, write\n",
    );
  });
});
