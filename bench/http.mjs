#!/usr/bin/env node
// bench/http: requests/s against one nginx on loopback, in one run, of wrk, autocannon and tracewalk's
// target mode (speed max, closed model, as many users as connections), with the same connections and
// duration. Prints each rate, the CPU each client and nginx spent per request (where the time goes),
// and the ratios tracewalk/autocannon (goal >= 1) and tracewalk/wrk (goal >= 0.6, issue 21).
// Usage: node bench/http.mjs [--connections 64] [--duration 10s] [--wrk-threads 2] [--nginx-workers 1]
//   [--rounds 1]   (rounds run the three in turn; the best rate of each is compared)
// Needs nginx and wrk (apt-get update && apt-get install -y nginx wrk), npx, and `npm run build`.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  childPids,
  childrenCpu,
  cpuOf,
  freePort,
  HOST,
  parseAutocannon,
  parseTracewalk,
  parseWrk,
  which,
} from "./http-util.mjs";

const BODY = '{"ok":true}';
const INSTALL = "apt-get update && apt-get install -y nginx wrk";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    duration: { type: "string", default: "10s" },
    "wrk-threads": { type: "string", default: "2" },
    "nginx-workers": { type: "string", default: "1" },
    rounds: { type: "string", default: "1" },
  },
});
const C = positiveInt("--connections", values.connections);
const D = seconds(values.duration);
const wrkThreads = positiveInt("--wrk-threads", values["wrk-threads"]);
const nginxWorkers = positiveInt("--nginx-workers", values["nginx-workers"]);
const rounds = positiveInt("--rounds", values.rounds);
const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;

function positiveInt(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

function seconds(text) {
  const m = /^(\d+)(s|m)?$/.exec(text);
  if (!m) usage(`--duration must be like 10, 10s or 1m, got "${text}"`);
  return Number(m[1]) * (m[2] === "m" ? 60 : 1);
}

function usage(msg) {
  console.error(`bench/http: ${msg}`);
  process.exit(2);
}

// One worker by default: on the 2-core machine the clients need the other core, and one nginx worker
// answering a fixed `return 200` (~tens of µs a request) is faster than any of the clients measured.
function nginxConf(dir, port) {
  return `worker_processes ${nginxWorkers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # Keep every connection for the whole run: nginx's default closes one after 1000 requests, which
  # would make each client pay reconnects in its own way.
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen ${HOST}:${port};
    default_type application/json;
    location / { return 200 '${BODY}'; }
  }
}
`;
}

/** Resolves once `port` accepts a connection; rejects if `alive()` turns false or after `ms`. */
async function waitListening(port, alive, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("nginx exited during start-up");
    const ok = await new Promise((resolve) => {
      const s = connect(port, HOST, () => {
        s.end();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${HOST}:${port} within ${ms} ms`);
}

const state = { nginx: undefined, child: undefined, dir: undefined, stopping: false };

/** Stops nginx (TERM, then KILL of its process group after 5 s) and removes the temp dir. */
async function cleanup() {
  state.child?.kill("SIGKILL");
  const ng = state.nginx;
  if (ng && ng.exitCode === null && ng.signalCode === null) {
    const exited = new Promise((r) => ng.once("exit", r));
    ng.kill("SIGTERM");
    const timer = setTimeout(() => process.kill(-ng.pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  state.nginx = undefined;
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  state.dir = undefined;
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    console.error(`bench/http: ${sig}, stopping nginx`);
    state.stopping = true;
    cleanup().finally(() => process.exit(130));
  });
}
// Last resort if the script dies some other way: nginx must not outlive it.
process.once("exit", () => {
  if (state.nginx?.exitCode === null) process.kill(-state.nginx.pid, "SIGKILL");
});

async function startNginx(bin) {
  state.dir = mkdtempSync(join(tmpdir(), "tw-bench-http-"));
  const port = await freePort();
  const conf = join(state.dir, "nginx.conf");
  writeFileSync(conf, nginxConf(state.dir, port));
  // Own process group, so that a stuck master and its workers can be killed together.
  const ng = spawn(bin, ["-p", state.dir, "-c", conf, "-e", join(state.dir, "error.log")], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  state.nginx = ng;
  try {
    await waitListening(port, () => ng.exitCode === null && ng.signalCode === null, 5_000);
  } catch (err) {
    const log = readFileSync(join(state.dir, "error.log"), "utf8");
    throw new Error(`${err.message}\n${log}`);
  }
  return { port, workers: childPids(ng.pid) };
}

/**
 * Runs one client to its end (killed after the duration plus 30 s), measuring its wall time, its CPU
 * (and its children's) and nginx workers' CPU over the same span.
 */
async function measure(cmd, args, workers) {
  if (state.stopping) throw new Error("stopped by a signal");
  const nginx0 = workers.reduce((s, p) => s + cpuOf(p), 0);
  const cpu0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  state.child = child;
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d) => {
    stderr += d;
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), (D + 30) * 1000);
  const code = await new Promise((resolve) => {
    child.once("error", () => resolve(-1));
    child.once("close", (c) => resolve(c));
  });
  clearTimeout(killer);
  state.child = undefined;
  if (state.stopping) throw new Error("stopped by a signal");
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const nginxCpu = workers.reduce((s, p) => s + cpuOf(p), 0) - nginx0;
  return { code, stdout, stderr, wall, cpu: childrenCpu() - cpu0, nginxCpu };
}

/** autocannon@8's own bin from npx's cache, run with node directly so that npx's start-up is not timed. */
function resolveAutocannon() {
  const r = spawnSync("npx", ["--yes", "-p", "autocannon@8", "-c", "command -v autocannon"], {
    encoding: "utf8",
    timeout: 180_000,
  });
  const bin = r.stdout?.trim().split("\n").pop();
  return r.status === 0 && bin ? bin : undefined;
}

function tracewalkArgs(port) {
  return [
    cli,
    "run",
    "--workflow",
    "simple",
    "--target",
    `http://${HOST}:${port}`,
    "--allow-host",
    HOST,
    "--speed",
    "max",
    "--duration",
    `${D}s`,
    // At speed max HTTP mode waits for nothing but the responses: no think time, no pause between
    // a user's sessions (the defaults stay in the config).
    "--set",
    `load={model: closed, users: ${C}}`,
    "--set",
    `target.max_connections=${C}`,
    "--set",
    "sinks=[]",
    // "run finished" (with requests and wall_s) is logged at info.
    "--log-level",
    "info",
    "--metrics-addr",
    `${HOST}:0`,
  ];
}

const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function printRow(name, m, parsed) {
  const perReq = (cpu) => `${fmt((cpu / parsed.requests) * 1e6, 1)} µs`;
  console.log(
    `${name.padEnd(11)} ${fmt(parsed.rps).padStart(9)} req/s  ${fmt(parsed.requests).padStart(10)} requests  ` +
      `client CPU ${fmt(m.cpu, 2)} s (${perReq(m.cpu)}/req, ${fmt((m.cpu / m.wall) * 100)}% of a core)  ` +
      `nginx CPU ${fmt(m.nginxCpu, 2)} s (${perReq(m.nginxCpu)}/req)  [${parsed.note}]`,
  );
}

function ratio(a, b, goal) {
  if (!a || !b) return "n/a";
  const r = a / b;
  return `${r.toFixed(3)} (goal >= ${goal}: ${r >= goal ? "met" : "not met"})`;
}

/** The three clients, each with how to run it and read its result (undefined when it gave none). */
function clients(wrk, autocannon, port) {
  const url = `http://${HOST}:${port}/`;
  const tail = (m) => (m.stderr.trim() || m.stdout.trim()).slice(-500);
  return [
    {
      name: `wrk -t${wrkThreads}`,
      cmd: [wrk, [`-t${wrkThreads}`, `-c${C}`, `-d${D}s`, url]],
      read: (m) => parseWrk(m.stdout),
      failed: (m) => `wrk: no result (exit ${m.code}): ${tail(m)}`,
    },
    ...(autocannon
      ? [
          {
            name: "autocannon",
            cmd: [process.execPath, [autocannon, "-c", String(C), "-d", String(D), "--json", url]],
            read: (m) => parseAutocannon(m.stdout),
            failed: (m) => `autocannon: no result (exit ${m.code}): ${tail(m)}`,
          },
        ]
      : []),
    {
      name: "tracewalk",
      cmd: [process.execPath, tracewalkArgs(port)],
      read: (m) => (m.code === 0 ? parseTracewalk(m.stderr, m.wall) : undefined),
      failed: (m) => `tracewalk: target mode not available (exit ${m.code}): ${tail(m)}`,
    },
  ];
}

async function main() {
  const nginx = which("nginx");
  const wrk = which("wrk");
  if (!nginx || !wrk) {
    const missing = [!nginx && "nginx", !wrk && "wrk"].filter(Boolean).join(" and ");
    console.error(`bench/http: missing ${missing}; install with: ${INSTALL}`);
    process.exit(1);
  }
  const autocannon = resolveAutocannon();
  if (!autocannon) console.error("bench/http: could not install autocannon@8 with npx; its row is skipped");
  const { port, workers } = await startNginx(nginx);
  const version = spawnSync(nginx, ["-v"], { encoding: "utf8" }).stderr.trim();
  console.log(
    `${version}, worker_processes ${nginxWorkers} (pids ${workers.join(",")}), ${HOST}:${port}; ` +
      `connections ${C}, duration ${D}s, rounds ${rounds}; load average before: ${loadavg()[0].toFixed(2)}`,
  );
  const list = clients(wrk, autocannon, port);
  const best = new Map();
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) console.log(`round ${round}:`);
    for (const c of list) {
      const m = await measure(c.cmd[0], c.cmd[1], workers);
      const parsed = c.read(m);
      if (!parsed) {
        console.log(c.failed(m));
        continue;
      }
      printRow(c.name, m, parsed);
      best.set(c.name, Math.max(best.get(c.name) ?? 0, parsed.rps));
    }
  }
  const [w, a, t] = [`wrk -t${wrkThreads}`, "autocannon", "tracewalk"].map((n) => best.get(n));
  if (rounds > 1)
    console.log(`best of ${rounds}: ${[...best].map(([n, r]) => `${n} ${fmt(r)} req/s`).join(", ")}`);
  console.log(`ratio tracewalk/autocannon: ${ratio(t, a, 1)}`);
  console.log(`ratio tracewalk/wrk: ${ratio(t, w, 0.6)}`);
  console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
}

try {
  await main();
} finally {
  await cleanup();
}
