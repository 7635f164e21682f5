#!/usr/bin/env node
// bench/generate: events/s of `tracewalk generate` to a JSONL file, beside its anchor: Node writing the
// same bytes, pre-made in memory, to a file in the same batch sizes. Prints both and the ratio, then the
// engine alone on the same plan (no event made, nothing written) and its ratio to the anchor.
// Usage: node bench/generate.mjs [--users N] [--workflow W] [--dir DIR] [--cli PATH] [--rounds N]   (run `npm run build` first)
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    workflow: { type: "string", default: "ecommerce" },
    dir: { type: "string" },
    // Another checkout's build (e.g. main's, for a before figure): its dist/cli/main.js.
    cli: { type: "string" },
    // Rounds of tracewalk, each followed by a round of the anchor, every file deleted as soon as it is
    // timed: each of the two writes into pages the other just freed. How fast a write gets its pages
    // moves up to 20x on these VMs (bench/README.md), so the ratio is printed per round and best to best.
    rounds: { type: "string", default: "3" },
  },
});
const dir = mkdtempSync(join(values.dir ?? tmpdir(), "tw-bench-"));
const cli = values.cli ?? new URL("../dist/cli/main.js", import.meta.url).pathname;
const out = join(dir, "events.jsonl");
// CPU seconds the child used (all its threads), written at exit: on a shared machine they move less
// with the load than wall time does.
const cpuFile = join(dir, "cpu.txt");
const preload = join(dir, "cpu.mjs");
writeFileSync(
  preload,
  `import { writeFileSync } from "node:fs";
process.on("exit", () => { const u = process.cpuUsage(); writeFileSync(${JSON.stringify(cpuFile)}, String((u.user + u.system) / 1e6)); });`,
);
const args = [
  "--import",
  preload,
  cli,
  "generate",
  "--workflow",
  values.workflow,
  "--users",
  values.users,
  "--seed",
  "1",
  "--out",
  out,
  "--no-progress",
];

/** One timed run of tracewalk: wall and CPU seconds; its output stays for the caller to read, then delete. */
function tracewalk() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`tracewalk generate exited ${r.status}: ${r.stderr}`);
  return { wall, cpu: Number(readFileSync(cpuFile, "utf8")) };
}

/** The anchor writes the very same bytes, already in memory, in chunks of 8192 lines as tracewalk does. */
function anchor(chunks, copy) {
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage();
  const fd = openSync(copy, "w");
  for (const c of chunks) writeSync(fd, c);
  closeSync(fd);
  const wall = Number(process.hrtime.bigint() - t1) / 1e9;
  const c2 = process.cpuUsage(c1);
  rmSync(copy, { force: true });
  return { wall, cpu: (c2.user + c2.system) / 1e6 };
}

/** bench/engine-pack.mjs --mode count on the same plan and build: events and wall seconds, or why not. */
function engineAlone() {
  const r = spawnSync(
    process.execPath,
    [
      new URL("./engine-pack.mjs", import.meta.url).pathname,
      "--mode",
      "count",
      "--users",
      values.users,
      "--workflow",
      values.workflow,
      "--days",
      "7",
      "--dist",
      join(dirname(cli), ".."),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const m = /count: ([\d,]+) events\s+(\d+) ms/.exec(r.stdout ?? "");
  if (r.status !== 0 || m === null) return (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n")[0];
  return { events: Number(m[1].replaceAll(",", "")), wall: Number(m[2]) / 1000 };
}

try {
  const tw = [];
  const an = [];
  let chunks = null;
  let events = 0;
  let bytes = 0;
  const copy = join(dir, "anchor.jsonl");
  for (let round = 0; round < Math.max(1, Number(values.rounds)); round++) {
    tw.push(tracewalk());
    if (chunks === null) {
      bytes = statSync(out).size;
      const buf = readFileSync(out);
      chunks = [];
      let from = 0;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
        if (++events % 8192 === 0) {
          chunks.push(buf.subarray(from, i + 1));
          from = i + 1;
        }
      }
      if (from < buf.length) chunks.push(buf.subarray(from));
    } else if (statSync(out).size !== bytes)
      throw new Error("tracewalk wrote other bytes than its first round");
    rmSync(out, { force: true });
    an.push(anchor(chunks, copy));
  }
  const rate = (n, s) => Math.round(n / s).toLocaleString("en-US");
  const best = (rounds) => rounds.reduce((a, b) => (b.wall < a.wall ? b : a));
  const t = best(tw);
  const a = best(an);
  console.log(
    `events: ${events.toLocaleString("en-US")} (${(bytes / 1e6).toFixed(1)} MB, ${(bytes / events).toFixed(0)} B/event), users: ${values.users}, workflow: ${values.workflow}`,
  );
  console.log(
    `every round, tracewalk then the anchor: ${tw.map((r, i) => `${r.wall.toFixed(2)} s (CPU ${r.cpu.toFixed(2)}) / ${an[i].wall.toFixed(2)} s (CPU ${an[i].cpu.toFixed(2)}) -> ${(an[i].wall / r.wall).toFixed(3)}`).join(";  ")}`,
  );
  console.log(
    `tracewalk generate (whole process), best round: ${rate(events, t.wall)} events/s  ${(bytes / 1e6 / t.wall).toFixed(0)} MB/s  ${t.wall.toFixed(2)} s  (CPU ${t.cpu.toFixed(2)} s: ${rate(events, t.cpu)} events per CPU-second)`,
  );
  console.log(
    `anchor, node writing the same bytes, best round: ${rate(events, a.wall)} events/s  ${(bytes / 1e6 / a.wall).toFixed(0)} MB/s  ${a.wall.toFixed(2)} s  (CPU ${a.cpu.toFixed(2)} s)`,
  );
  console.log(
    `ratio tracewalk/anchor, best to best: ${(a.wall / t.wall).toFixed(3)}  (in CPU seconds: ${(a.cpu / t.cpu).toFixed(3)})`,
  );
  // Where the ratio can go: the engine alone (bench/engine-pack.mjs --mode count), the same plan on one
  // thread, start-up left out, no event made, nothing encoded or written. Every event of one output
  // comes from this one walk, so `generate` with this engine stays below this, however its output is made.
  const e = engineAlone();
  if (typeof e === "string") console.log(`the engine alone: not measured (${e})`);
  else
    console.log(
      `the engine alone (one thread, no event made, nothing written): ${rate(e.events, e.wall)} events/s  ${e.wall.toFixed(2)} s; ratio engine/anchor: ${(a.wall / e.wall).toFixed(3)}`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
