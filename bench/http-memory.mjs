#!/usr/bin/env node
// bench/http-memory: does HTTP mode's memory stay flat? Runs `tracewalk run` in HTTP mode at full speed
// (closed model, speed max, no pauses) against a small Node HTTP server on loopback, with a file sink,
// samples the daemon's resident memory (VmRSS) every second and counts its requests from its own
// /metrics. Prints RSS at --from and at --seconds, the requests between them and the growth per request;
// the anchor is the bound issue 19 sets (40 B a request), and the ratio is growth / bound (< 1 passes).
// Usage: node bench/http-memory.mjs [--seconds 130] [--from 40] [--users 64]   (after `npm run build`)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, HOST } from "./http-util.mjs";

const BOUND = 40; // bytes of resident memory a request may add, at most
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "130" },
    from: { type: "string", default: "40" },
    users: { type: "string", default: "64" },
  },
});
const end = Number(values.seconds);
const from = Number(values.from);
const users = Number(values.users);
if (!(from >= 1 && end > from && Number.isInteger(users) && users >= 1)) {
  console.error("bench/http-memory: need 1 <= --from < --seconds and --users >= 1");
  process.exit(2);
}
const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "tw-bench-httpmem-"));
const children = [];
const stopAll = () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
process.once("exit", stopAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));

const targetPort = await freePort();
const server = spawn(
  process.execPath,
  [
    "-e",
    `require("node:http").createServer((q, r) => { q.resume(); q.on("end", () => { r.setHeader("content-type", "application/json"); r.end('{"ok":true}'); }); }).listen(${targetPort}, "${HOST}")`,
  ],
  { stdio: "inherit" },
);
children.push(server);
const metricsPort = await freePort();
const config = join(dir, "tracewalk.yaml");
writeFileSync(
  config,
  `seed: 1
workflows: [{ preset: ecommerce }]
load: { model: closed, users: ${users}, pause: 0s }
clock: { speed: max, duration: ${end + 30}s }
target: { url: "http://${HOST}:${targetPort}", allow_hosts: ["${HOST}"], max_connections: ${users} }
sinks: [{ type: file, path: ${join(dir, "events.jsonl")} }]
metrics: { host: ${HOST}, port: ${metricsPort} }
log: { level: warn }
`,
);
await new Promise((r) => setTimeout(r, 300)); // the server's listen
const daemon = spawn(process.execPath, [cli, "run", "--config", config], {
  stdio: ["ignore", "inherit", "inherit"],
});
children.push(daemon);

const rss = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${daemon.pid}/status`, "utf8"));
  return Number(m[1]) * 1024;
};
async function requests() {
  const res = await fetch(`http://${HOST}:${metricsPort}/metrics`);
  let n = 0;
  for (const line of (await res.text()).split("\n")) {
    if (line.startsWith("tracewalk_http_requests_total{")) n += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return n;
}

// Time counts from the daemon's start as seen by its metrics server (bounded wait: 30 s).
for (let i = 0; ; i++) {
  const up = await fetch(`http://${HOST}:${metricsPort}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (i >= 300 || daemon.exitCode !== null) throw new Error("tracewalk's metrics server never answered");
  await new Promise((r) => setTimeout(r, 100));
}
const t0 = performance.now();
const samples = [];
let at = 1;
while (at <= end) {
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + at * 1000 - performance.now())));
  if (daemon.exitCode !== null) throw new Error(`tracewalk exited early (${daemon.exitCode})`);
  samples.push({ s: at, rss: rss(), requests: await requests() });
  at++;
}
daemon.kill("SIGTERM"); // ends within its drain_timeout
const a = samples.find((x) => x.s === from);
const b = samples[samples.length - 1];
const perRequest = (b.rss - a.rss) / (b.requests - a.requests);
// The least-squares slope of RSS over requests in [--from, --seconds]: GC's sawtooth moves the two end
// samples by several MB, which the slope over every sample in between does not follow.
const window = samples.filter((x) => x.s >= from);
const mx = window.reduce((t, x) => t + x.requests, 0) / window.length;
const my = window.reduce((t, x) => t + x.rss, 0) / window.length;
const slope =
  window.reduce((t, x) => t + (x.requests - mx) * (x.rss - my), 0) /
  window.reduce((t, x) => t + (x.requests - mx) ** 2, 0);
const mb = (x) => (x / 1048576).toFixed(1);
console.log(`HTTP mode, closed ${users} users, speed max, ${end} s against a loopback server`);
for (const s of samples.filter((x) => x.s % 10 === 0))
  console.log(`  ${String(s.s).padStart(4)} s  RSS ${mb(s.rss)} MB  requests ${s.requests}`);
console.log(
  `RSS ${mb(a.rss)} MB at ${from} s -> ${mb(b.rss)} MB at ${end} s over ${b.requests - a.requests} requests: ` +
    `${perRequest.toFixed(2)} B/request`,
);
console.log(
  `least-squares slope ${from}-${end} s: ${slope.toFixed(2)} B/request; bound ${BOUND} B/request; ` +
    `ratio ${(Math.max(slope, perRequest) / BOUND).toFixed(3)} (the larger of the two over the bound; < 1 holds)`,
);
const exited = new Promise((r) => daemon.once("exit", r));
await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
process.exit(0); // the exit hook stops the server (and the daemon, if it is still draining)
