#!/usr/bin/env node
// bench/startup: wall time from spawn to exit of quick CLI commands, beside bare `node -e 0` (the
// anchor: Node's own start-up). Goal: each within 300 ms. Prints median and p90 of each, the ratio of
// the medians to the anchor's, and whether the median is within the goal; exits 0 either way.
// Usage: node bench/startup.mjs [--runs 15] [--warmup 2] [--case "presets ecommerce"]... [--cli PATH]
// (run `npm run build` first; --cli times another build's dist/cli/main.js, e.g. an older commit's)
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";

const GOAL_MS = 300;
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    warmup: { type: "string", default: "2" },
    case: { type: "string", multiple: true, default: [] },
    cli: { type: "string" },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const cli = values.cli ?? new URL("../dist/cli/main.js", import.meta.url).pathname;
const workflow = new URL("../config/workflows/checkout.yaml", import.meta.url).pathname;

const cases = [
  { name: "node -e 0 (anchor)", args: ["-e", "0"] },
  { name: "tracewalk --version", args: [cli, "--version"] },
  { name: "tracewalk --help", args: [cli, "--help"] },
  { name: "tracewalk validate checkout.yaml", args: [cli, "validate", workflow] },
  ...values.case.map((c) => ({ name: `tracewalk ${c}`, args: [cli, ...c.split(" ")] })),
];

/** Wall milliseconds of one run; a command that fails stops the bench (it would time the wrong thing). */
function timeOne(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const load = loadavg()[0].toFixed(2);
// Rounds go through every case in turn, so that a burst of load from elsewhere hits them all alike.
const times = cases.map(() => []);
for (let round = 0; round < warmup + runs; round++) {
  cases.forEach((c, i) => {
    const ms = timeOne(c.args);
    if (round >= warmup) times[i].push(ms);
  });
}

const rows = cases.map((c, i) => {
  const sorted = times[i].sort((a, b) => a - b);
  return { name: c.name, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
});
const anchor = rows[0].median;
const width = Math.max(...rows.map((r) => r.name.length));
console.log(
  `Node ${process.version}, ${cli}, ${runs} runs each after ${warmup} warm-up, load average ${load} at start`,
);
console.log(`${"".padEnd(width)}  median ms  p90 ms  × anchor  within ${GOAL_MS} ms`);
for (const [i, r] of rows.entries()) {
  const ratio = (r.median / anchor).toFixed(2);
  const goal = i === 0 ? "" : r.median <= GOAL_MS ? "yes" : "NO";
  console.log(
    `${r.name.padEnd(width)}  ${r.median.toFixed(0).padStart(9)}  ${r.p90.toFixed(0).padStart(6)}  ${ratio.padStart(8)}  ${goal}`,
  );
}
