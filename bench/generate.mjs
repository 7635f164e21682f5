#!/usr/bin/env node
// bench/generate: events/s of `tracewalk generate` to a JSONL file, beside its anchor: Node writing the
// same bytes, pre-made in memory, to a file in the same batch sizes. Prints both and the ratio.
// Usage: node bench/generate.mjs [--users N] [--workflow W] [--dir DIR] [--cli PATH] [--anchor-rounds N]   (run `npm run build` first)
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
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    workflow: { type: "string", default: "ecommerce" },
    dir: { type: "string" },
    // Another checkout's build (e.g. main's, for a before figure): its dist/cli/main.js.
    cli: { type: "string" },
    // The anchor's write is timed this many times (its copy deleted between). The ratio is taken against
    // the first, written like tracewalk's output into pages no file had just freed; the later rounds reuse
    // the pages the round before freed and run up to 10x faster on these VMs: printed, to show the spread.
    "anchor-rounds": { type: "string", default: "3" },
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

try {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const tw = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`tracewalk generate exited ${r.status}`);
  const twCpu = Number(readFileSync(cpuFile, "utf8"));
  const bytes = statSync(out).size;
  // The anchor writes the very same bytes, already in memory, in chunks of 8192 lines as tracewalk does.
  const buf = readFileSync(out);
  const chunks = [];
  let events = 0;
  let from = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
    if (++events % 8192 === 0) {
      chunks.push(buf.subarray(from, i + 1));
      from = i + 1;
    }
  }
  if (from < buf.length) chunks.push(buf.subarray(from));
  const copy = join(dir, "anchor.jsonl");
  const rounds = [];
  for (let r = 0; r < Math.max(1, Number(values["anchor-rounds"])); r++) {
    rmSync(copy, { force: true });
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage();
    const fd = openSync(copy, "w");
    for (const c of chunks) writeSync(fd, c);
    closeSync(fd);
    const wall = Number(process.hrtime.bigint() - t1) / 1e9;
    const c2 = process.cpuUsage(c1);
    rounds.push({ wall, cpu: (c2.user + c2.system) / 1e6 });
  }
  const { wall: anchor, cpu: anchorCpu } = rounds[0];
  const rate = (n, s) => Math.round(n / s).toLocaleString("en-US");
  console.log(
    `events: ${events.toLocaleString("en-US")} (${(bytes / 1e6).toFixed(1)} MB, ${(bytes / events).toFixed(0)} B/event), users: ${values.users}, workflow: ${values.workflow}`,
  );
  console.log(
    `tracewalk generate (whole process): ${rate(events, tw)} events/s  ${(bytes / 1e6 / tw).toFixed(0)} MB/s  ${tw.toFixed(2)} s  (CPU ${twCpu.toFixed(2)} s: ${rate(events, twCpu)} events per CPU-second)`,
  );
  console.log(
    `anchor, node writing the same bytes: ${rate(events, anchor)} events/s  ${(bytes / 1e6 / anchor).toFixed(0)} MB/s  ${anchor.toFixed(2)} s  (CPU ${anchorCpu.toFixed(2)} s), its first round`,
  );
  if (rounds.length > 1) {
    console.log(
      `  every anchor round (the copy deleted before each): ${rounds.map((r) => `${r.wall.toFixed(2)} s (CPU ${r.cpu.toFixed(2)})`).join(", ")}; ratio against each: ${rounds.map((r) => (r.wall / tw).toFixed(3)).join(", ")}`,
    );
  }
  console.log(
    `ratio tracewalk/anchor: ${(anchor / tw).toFixed(3)}  (in CPU seconds: ${(anchorCpu / twCpu).toFixed(3)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
