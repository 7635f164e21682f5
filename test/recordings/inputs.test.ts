import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";

// verify, score, fit and replay read a recording through one module (src/recordings): the same events
// as a gzipped JSONL file, a Parquet file and stdin must give each command the same answer.
const tmp = tempDir("tw-recordings-");
afterAll(() => tmp.remove());
const at = (name: string) => join(tmp.dir, name);
const GEN = ["generate", "--users", "30", "--days", "1", "--seed", "7", "--cascade-rate", "0.3"];
const QUIET = ["--metrics-addr", "127.0.0.1:0", "--log-level", "warn"];

let jsonl = "";
const inputs: { name: string; path: string; stdin?: string }[] = [];

beforeAll(async () => {
  for (const out of ["d.jsonl", "d.parquet"]) {
    const r = await runCli([...GEN, "--out", at(out)]);
    expect(r.code, r.stderr).toBe(0);
  }
  jsonl = readFileSync(at("d.jsonl"), "utf8");
  writeFileSync(at("d.jsonl.gz"), gzipSync(jsonl));
  // Every fifth call flagged, for the per-call score.
  const flags = jsonl
    .split("\n")
    .filter(Boolean)
    .filter((_, i) => i % 5 === 4)
    .map((l) => JSON.stringify({ event_id: JSON.parse(l).event_id }));
  writeFileSync(at("flags.jsonl"), `${flags.join("\n")}\n`);
  inputs.push({ name: "gzip", path: at("d.jsonl.gz") });
  inputs.push({ name: "parquet", path: at("d.parquet") });
  inputs.push({ name: "stdin", path: "-", stdin: jsonl });
}, 60_000);

/** Runs `args(path)` on each input; returns the stdouts after checking each exited with `code`. */
async function onEach(args: (path: string, name: string) => string[], code = 0): Promise<string[]> {
  const outs: string[] = [];
  for (const input of inputs) {
    const r = await runCli(
      args(input.path, input.name),
      input.stdin === undefined ? {} : { input: input.stdin },
    );
    expect(r.code, `${input.name}: ${r.stderr}`).toBe(code);
    outs.push(r.stdout);
  }
  return outs;
}

function allSame(outs: string[]): void {
  expect(outs).toHaveLength(3);
  expect(outs[0]!.length).toBeGreaterThan(0);
  expect(outs[1]).toBe(outs[0]);
  expect(outs[2]).toBe(outs[0]);
}

describe("one reader for recordings: .jsonl.gz, Parquet and stdin alike", () => {
  it("verify gives the same report", async () => {
    const outs = await onEach((p) => ["verify", "--workflow", "ecommerce", "--input", p, "--json"]);
    allSame(outs);
    expect(JSON.parse(outs[0]!).tally.events).toBe(jsonl.split("\n").filter(Boolean).length);
  });

  it("fit learns the same workflow", async () => {
    allSame(await onEach((p) => ["fit", "--input", p, "--out", "-"]));
  });

  it("score gives the same per-call scores", async () => {
    const outs = await onEach((p) => ["score", "--events", p, "--flags", at("flags.jsonl"), "--json"]);
    allSame(outs);
  });

  it("replay into the sinks writes the same bytes", async () => {
    await onEach((p, name) => [
      "replay",
      ...["--input", p, "--speed", "max", "--start", "2026-01-01T00:00:00Z", "--out", at(`r-${name}.jsonl`)],
      ...QUIET,
    ]);
    const outs = inputs.map((i) => readFileSync(at(`r-${i.name}.jsonl`), "utf8"));
    allSame(outs);
    expect(outs[0]!.split("\n").filter(Boolean)).toHaveLength(jsonl.split("\n").filter(Boolean).length);
  });

  it("verify and score refuse an access log in one line naming it (exit 2), fit and replay read it", async () => {
    const log = at("a.log");
    writeFileSync(log, '10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /api/items/7 HTTP/1.1" 200 12\n');
    for (const args of [
      ["verify", "--workflow", "ecommerce", "--input", log],
      ["score", "--events", log, "--flags", at("flags.jsonl")],
    ]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${log}: an access log, not Event v1`);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    const fit = await runCli(["fit", "--input", log, "--out", "-"]);
    expect(fit.code, fit.stderr).toBe(0);
  });
});

describe("one access-log sessionizer: replay rebuilds the sessions fit learned from", () => {
  it("a logged-in user keeps one session across addresses; two agents behind one address are two", async () => {
    const line = (addr: string, user: string, s: number, agent: string) =>
      `${addr} - ${user} [10/Oct/2026:13:55:${String(s).padStart(2, "0")} +0000] "GET /api/items HTTP/1.1" 200 12 "-" "${agent}"`;
    const log = at("users.log");
    writeFileSync(
      log,
      `${[
        line("10.0.0.1", "alice", 1, "A"),
        line("10.0.0.2", "alice", 2, "A"),
        line("10.0.0.3", "alice", 5, "A"),
        line("10.0.0.9", "-", 3, "firefox"),
        line("10.0.0.9", "-", 4, "curl"),
        // 40 s of latency, then 30 s of silence before the next call: one session at --gap 1m, as the
        // silence is counted from the response, not from the request (70 s apart).
        `${line("10.0.0.7", "bob", 6, "B")} 40.000`,
        line("10.0.0.7", "bob", 6, "B").replace("13:55:06", "13:56:16"),
      ].join("\n")}\n`,
    );
    const fit = await runCli(["fit", "--input", log, "--out", at("users.yaml"), "--json", "--gap", "1m"]);
    expect(fit.code, fit.stderr).toBe(0);
    expect(JSON.parse(fit.stdout).sessions.sessions).toBe(4);
    const out = at("users.out.jsonl");
    const r = await runCli([
      "replay",
      "--input",
      log,
      "--gap",
      "1m",
      "--speed",
      "max",
      "--out",
      out,
      ...QUIET,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const sessions = new Set(
      readFileSync(out, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).session_id),
    );
    // By address alone, from request to request, it would be six: alice's three addresses, one for
    // both agents of 10.0.0.9, two for bob.
    expect(sessions.size).toBe(4);
  });
});

describe("one helper for flag values: a bad value exits 2 naming the flag", () => {
  it.each([
    [["replay", "--input", "x.jsonl", "--gap", "abc"], "--gap"],
    [["replay", "--input", "x.jsonl", "--from", "yesterday"], "--from"],
    [["fit", "--input", "x.jsonl", "--out", "-", "--gap", "0s"], "--gap"],
    [["score", "--labels", "l", "--alerts", "a", "--tolerance", "soon"], "--tolerance"],
    [["generate", "--users", "3", "--out", "-", "--shard", "3/3"], "--shard"],
    [["generate", "--users", "3", "--out", "-", "--start", "noon"], "--start"],
  ])("%j", async (args, flag) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${flag}:`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("generate --shard auto/N takes k from the pod as run does", async () => {
    const outs: string[] = [];
    for (const shard of ["auto/3", "1/3"]) {
      const r = await runCli(["generate", "--users", "9", "--days", "1", "--out", "-", "--shard", shard], {
        env: { JOB_COMPLETION_INDEX: "1" },
      });
      expect(r.code, r.stderr).toBe(0);
      outs.push(r.stdout);
    }
    expect(outs[0]!.length).toBeGreaterThan(0);
    expect(outs[0]).toBe(outs[1]);
  });
});
