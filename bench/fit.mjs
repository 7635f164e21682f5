#!/usr/bin/env node
// bench/fit: events/s of `tracewalk fit` on a file of >= 5 million Event v1 lines, beside the anchor:
// reading the same file line by line and JSON.parse-ing every line (the least any JSONL reader does).
// Usage: node bench/fit.mjs [--users 250000] [--workflow ecommerce] [--dir DIR] [--keep] [--events FILE] [--runs N]
//        (--events: time an existing Event v1 JSONL file instead of generating one)
//        (--access-log: fit reads the same events written as an nginx combined log with
//         $request_time, made before timing; the anchor still parses the JSONL)
//        (--runs: time each N times, alternating, and keep the best of each: a shared machine's noise
//         only ever slows a run down)
// Beside the wall-clock figures (the CLI as a child, start-up included; by default a file this large is
// read in two halves at once, and `--threads 1` is timed too), it prints CPU time per event of fit on
// one thread and of the anchor measured in this process (fitInputs from dist/), which a busy machine
// disturbs far less than wall time.
//        (run `npm run build` first)
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { fitCpu } from "./fit-in-process.mjs";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "250000" },
    workflow: { type: "string", default: "ecommerce" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
    events: { type: "string" },
    runs: { type: "string", default: "1" },
    "access-log": { type: "boolean", default: false },
  },
});
const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(values.dir ?? tmpdir(), "tracewalk-bench-fit-"));
const events = values.events ?? join(dir, "events.jsonl");
const fmt = (n) => Math.round(n).toLocaleString("en-US");

function cli(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`tracewalk ${args[0]} failed (${r.status}):\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

// Anchor: the line reader fit used to use (1 MiB reads, readline), and JSON.parse of each line.
async function anchor(path) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const rl = createInterface({
    input: createReadStream(path, { highWaterMark: 1 << 20 }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lines = 0;
  let check = 0;
  for await (const line of rl) {
    if (line === "") continue;
    check += JSON.parse(line).call_index;
    lines++;
  }
  const c = process.cpuUsage(c0);
  return {
    lines,
    check,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    cpu: (c.user + c.system) / 1e6,
  };
}

/** fit in this process, for its CPU time (what fit does, without the CLI's start-up). */
async function fitInProcess(path) {
  const { fitInputs } = await import(new URL("../dist/analysis/fit/index.js", import.meta.url).href);
  return fitCpu(fitInputs, path);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n, w = 2) => String(n).padStart(w, "0");

/** The events as nginx would have logged them (combined, then $request_time): one client per user. */
async function toAccessLog(path, out) {
  const rl = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }) });
  const w = createWriteStream(out);
  for await (const line of rl) {
    if (line === "") continue;
    const e = JSON.parse(line);
    const d = new Date(e.timestamp);
    const time = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    const query = e.method === "GET" ? new URLSearchParams(e.params).toString() : "";
    const target = query === "" ? e.path : `${e.path}?${query}`;
    const addr = `10.${(e.user_id.length * 7) % 256}.${e.user_id.charCodeAt(e.user_id.length - 1)}.1`;
    const text = `${addr} - - [${time}] "${e.method} ${target} HTTP/1.1" ${e.status_code} 512 "-" "k6 ${e.user_id}" ${(e.response_time_ms / 1000).toFixed(3)}\n`;
    if (!w.write(text)) await new Promise((r) => w.once("drain", r));
  }
  await new Promise((r) => w.end(r));
}

const best = (runs, key) => runs.reduce((a, b) => (b[key] < a[key] ? b : a));

try {
  let gen = { seconds: 0 };
  if (values.events === undefined) {
    console.log(`generating ${values.users} users of ${values.workflow} into ${events} ...`);
    const flags = ["--workflow", values.workflow, "--users", values.users, "--seed", "1", "--out", events];
    gen = cli(["generate", ...flags, "--no-progress"]);
  }
  const input = values["access-log"] ? join(dir, "events.log") : events;
  if (values["access-log"]) await toAccessLog(events, input);
  const bytes = statSync(events).size;
  const anchors = [];
  const fits = [];
  const ones = [];
  const inProcess = [];
  for (let i = 0; i < Number(values.runs); i++) {
    anchors.push(await anchor(events));
    fits.push(cli(["fit", "--input", input, "--out", join(dir, "fitted.yaml"), "--json"]));
    ones.push(
      cli(["fit", "--input", input, "--out", join(dir, "fitted-1.yaml"), "--json", "--threads", "1"]),
    );
    inProcess.push(await fitInProcess(input));
  }
  const a = best(anchors, "seconds");
  const f = best(fits, "seconds");
  const one = best(ones, "seconds");
  console.log(
    `file: ${fmt(a.lines)} events, ${(bytes / 1e9).toFixed(2)} GB (generated in ${gen.seconds.toFixed(1)} s)`,
  );
  const report = JSON.parse(f.stdout);
  const fitRate = report.sessions.calls / f.seconds;
  const anchorRate = a.lines / a.seconds;
  console.log(
    `tracewalk fit: ${f.seconds.toFixed(2)} s, ${fmt(fitRate)} events/s (start-up included);` +
      ` ${fmt(report.sessions.sessions)} sessions, at most ${fmt(report.sessions.maxOpen)} open at once`,
  );
  console.log(
    `  read ${report.reading.threads === 2 ? "in two halves at once" : `on one thread (${report.reading.why})`}`,
  );
  const oneRate = JSON.parse(one.stdout).sessions.calls / one.seconds;
  console.log(
    `tracewalk fit --threads 1: ${one.seconds.toFixed(2)} s, ${fmt(oneRate)} events/s (start-up included)`,
  );
  console.log(`anchor, read + JSON.parse every line: ${a.seconds.toFixed(2)} s, ${fmt(anchorRate)} events/s`);
  console.log(`ratio fit/anchor (events/s): ${(fitRate / anchorRate).toFixed(3)}   goal: 1,000,000 events/s`);
  console.log(`ratio fit --threads 1/anchor (events/s): ${(oneRate / anchorRate).toFixed(3)}`);
  const fc = best(inProcess, "cpu");
  const ac = best(anchors, "cpu");
  const fitCpu = fc.calls / fc.cpu;
  const anchorCpu = ac.lines / ac.cpu;
  console.log(
    `CPU: fit ${fmt(fitCpu)} events per CPU-second, anchor ${fmt(anchorCpu)}; ratio ${(fitCpu / anchorCpu).toFixed(3)}` +
      ` (best of ${values.runs})`,
  );
} finally {
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
