#!/usr/bin/env node
// bench/soak: does a long run stay sound? Runs `tracewalk run` in HTTP mode for --minutes (default 30)
// against a loopback HTTP server through a Toxiproxy proxy, with a scheduled drill that injects a
// latency toxic, a file sink and a Kafka sink (a broker of its own), and control-API actions along the
// way (pause, resume, load changes, a trigger, an abort). Every 10 s it samples RSS, heap, schedule lag
// and sink backlog. At the end it checks: memory flat after warm-up (the last third's highest RSS within
// 10% of the RSS at one third: minute 10 vs the last 10 minutes of a 30-minute run), topic = file,
// every event's cascade_id in the labels, no toxic left on the proxy. Not in CI.
// Usage: node bench/soak.mjs [--minutes 30] [--client platformatic|kafkajs] [--users 20]
//   (after `npm run build`; needs Java, kcat and Go, as the tests do)
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, HOST } from "./http-util.mjs";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    client: { type: "string", default: "platformatic" },
    users: { type: "string", default: "20" },
  },
});
const minutes = Number(values.minutes);
const users = Number(values.users);
if (
  !(minutes >= 1 && Number.isInteger(users) && users >= 1 && /^(platformatic|kafkajs)$/.test(values.client))
) {
  console.error("bench/soak: need --minutes >= 1, --users >= 1, --client platformatic|kafkajs");
  process.exit(2);
}
const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "dist/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "tw-soak-"));
const children = [];
process.once("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every 250 ms for at most `ms`; throws naming `what` after. */
async function waitFor(what, ok, ms) {
  for (const until = Date.now() + ms; ; ) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`bench/soak: ${what} not ready after ${ms / 1000} s`);
    await sleep(250);
  }
}

// The target: a loopback server answering 200 to everything.
const targetPort = await freePort();
children.push(
  spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, r) => { q.resume(); q.on("end", () => { r.setHeader("content-type", "application/json"); r.end('{"ok":true}'); }); }).listen(${targetPort}, "${HOST}")`,
    ],
    { stdio: "inherit" },
  ),
);

// Toxiproxy in front of it.
const toxiBin =
  process.env.TOXIPROXY_SERVER ??
  execFileSync("bash", [join(repo, "scripts/toxiproxy/build.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
const toxiPort = await freePort();
children.push(spawn(toxiBin, ["-host", HOST, "-port", String(toxiPort)], { stdio: "ignore" }));
const toxi = `http://${HOST}:${toxiPort}`;
await waitFor("toxiproxy", async () => (await fetch(`${toxi}/version`)).ok, 10_000);
const proxyPort = await freePort();
const created = await fetch(`${toxi}/proxies`, {
  method: "POST",
  body: JSON.stringify({ name: "api", listen: `${HOST}:${proxyPort}`, upstream: `${HOST}:${targetPort}` }),
});
if (created.status !== 201) throw new Error(`bench/soak: creating the proxy: ${await created.text()}`);

// A Kafka broker of its own (stdin held open: it dies with this process).
const [kafkaPort, controllerPort] = [await freePort(), await freePort()];
const broker = spawn("bash", [join(repo, "scripts/kafka/start.sh")], {
  env: {
    ...process.env,
    KAFKA_DATA_DIR: join(dir, "kafka"),
    KAFKA_PORT: String(kafkaPort),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_WATCH_STDIN: "1",
  },
  stdio: ["pipe", "ignore", "inherit"],
});
children.push(broker);
const brokers = `${HOST}:${kafkaPort}`;
await waitFor(
  "kafka",
  async () => {
    execFileSync("kcat", ["-b", brokers, "-L", "-m", "2"], { stdio: "ignore", timeout: 5000 });
    return true;
  },
  120_000,
);

const metricsPort = await freePort();
const token = randomBytes(16).toString("hex");
const topic = `tw-soak-${randomBytes(4).toString("hex")}`;
const file = join(dir, "events.jsonl");
const config = join(dir, "soak.yaml");
writeFileSync(
  config,
  `seed: 1
workflows: [{ preset: ecommerce }]
load: { model: closed, users: ${users}, pause: 1s }
clock: { speed: 10, duration: ${minutes * 10 + 10}m }
target: { url: "http://${HOST}:${proxyPort}", allow_hosts: ["${HOST}"], timeout: 2s }
cascades:
  - name: drill
    every: 20m
    duration: 5m
    effects: { slow: { probability: 0 }, timeout: { probability: 0 }, unavailable: { probability: 0 }, retry: { probability: 0 } }
    inject:
      toxiproxy: { url: "${toxi}", proxy: api, toxics: [{ type: latency, attributes: { latency: 200 } }] }
sinks:
  - { type: file, path: ${file} }
  - { type: kafka, client: ${values.client}, brokers: ["${brokers}"], topic: ${topic} }
metrics: { host: ${HOST}, port: ${metricsPort} }
control: { token: "${token}" }
log: { level: warn }
`,
);
const daemon = spawn(process.execPath, [cli, "run", "--config", config], {
  stdio: ["ignore", "inherit", "inherit"],
});
children.push(daemon);
const base = `http://${HOST}:${metricsPort}`;
await waitFor("tracewalk", async () => (await fetch(`${base}/healthz`)).ok, 30_000);

const control = async (method, path, body) => {
  const res = await fetch(`${base}/control/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  console.log(`  control ${method} ${path}: ${res.status} ${text.slice(0, 120)}`);
  return text;
};
let triggered;
// Control actions at shares of the run. The load is raised and put back inside the warm-up (the first
// third), so that the memory check compares like with like: V8 keeps the heap's high-water mark, and a
// doubling of the users after minute 10 would raise RSS by design. After the warm-up the load is only
// lowered for a while, and the other actions (pause, resume, a trigger, an abort) run.
const actions = [
  [0.1, () => control("POST", "load", { users: users * 2 })],
  [0.25, () => control("POST", "load", { users })],
  [0.4, () => control("POST", "pause")],
  [0.42, () => control("POST", "resume")],
  [0.5, async () => (triggered = JSON.parse(await control("POST", "cascades/drill/trigger?duration=5m")))],
  [0.52, () => control("POST", `windows/${triggered?.cascade_id}/abort`)],
  [0.7, () => control("POST", "load", { users: Math.max(1, Math.floor(users / 2)) })],
  [0.8, () => control("POST", "load", { users })],
];

function metrics(text) {
  const one = (name) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  const backlog = [...text.matchAll(/^tracewalk_sink_backlog_events\{sink="([^"]+)"\} (\S+)$/gm)].map(
    (m) => `${m[1]}=${m[2]}`,
  );
  const lag = [...text.matchAll(/^tracewalk_schedule_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(
    (m) => [Number(m[1]), Number(m[2])],
  );
  return {
    heap: one("nodejs_heap_size_used_bytes"),
    events: one("tracewalk_events_emitted_total"),
    backlog: backlog.join(" "),
    lag,
  };
}
/** The q-quantile's upper bucket bound of a cumulative histogram. */
function quantile(buckets, q) {
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([, n]) => n >= q * total);
  return total === 0 ? 0 : hit?.[0];
}
const rss = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${daemon.pid}/status`, "utf8"))[1]) * 1024;

const samples = [];
const t0 = performance.now();
const end = minutes * 60;
for (let s = 10; s <= end; s += 10) {
  await sleep(Math.max(0, t0 + s * 1000 - performance.now()));
  if (daemon.exitCode !== null) throw new Error(`bench/soak: tracewalk exited early (${daemon.exitCode})`);
  while (actions.length > 0 && actions[0][0] * end <= s) {
    await actions.shift()[1]();
    await sleep(1000); // a pause and its resume a moment apart, even in a short run
  }
  const m = metrics(await (await fetch(`${base}/metrics`)).text());
  samples.push({ s, rss: rss(), ...m });
  const mb = (x) => (x / 1048576).toFixed(1);
  console.log(
    `${String(s).padStart(5)} s  RSS ${mb(rss())} MB  heap ${mb(m.heap)} MB  events ${m.events}  lag p99 ≤ ${quantile(m.lag, 0.99)} s  backlog ${m.backlog}`,
  );
}
daemon.kill("SIGTERM");
const code = await new Promise((r) => daemon.once("exit", (c) => r(c)));

// The checks.
const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
const ids = lines.map((l) => JSON.parse(l).event_id).sort();
const consumed = execFileSync(
  "kcat",
  ["-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n"],
  {
    encoding: "utf8",
    maxBuffer: 2 ** 30,
    timeout: 120_000,
  },
)
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l).event_id)
  .sort();
const topicEqualsFile = consumed.length === ids.length && consumed.every((id, i) => id === ids[i]);
const labelIds = new Set(
  readFileSync(file.replace(/\.jsonl$/, ".labels.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).cascade_id),
);
const unlabelled = lines
  .map((l) => JSON.parse(l).cascade_id)
  .filter((c) => c !== null && !labelIds.has(c)).length;
const toxics = await (await fetch(`${toxi}/proxies/api/toxics`)).json();
const third = samples.find((x) => x.s >= end / 3);
const lastMax = Math.max(...samples.filter((x) => x.s > (2 * end) / 3).map((x) => x.rss));
const growth = lastMax / third.rss - 1;
const last = samples.at(-1);
const mb = (x) => (x / 1048576).toFixed(1);
console.log(
  `\n${minutes} min, HTTP mode through Toxiproxy, ${users} users (×2 from 10% to 25% of the run, ½ from 70% to 80%), ${values.client}`,
);
console.log("| minute | RSS MB | heap MB | events | lag p50 ≤ s | lag p99 ≤ s | backlog |");
console.log("|---|---|---|---|---|---|---|");
const step = Math.max(60, Math.round(end / 10 / 60) * 60);
for (const x of samples.filter((y) => y.s % step === 0 || y === last)) {
  console.log(
    `| ${(x.s / 60).toFixed(1)} | ${mb(x.rss)} | ${mb(x.heap)} | ${x.events} | ${quantile(x.lag, 0.5)} | ${quantile(x.lag, 0.99)} | ${x.backlog} |`,
  );
}
const checks = [
  [`exit code 0 after SIGTERM (got ${code})`, code === 0],
  [
    `memory flat: last third's highest RSS ${mb(lastMax)} MB vs ${mb(third.rss)} MB at ${(third.s / 60).toFixed(1)} min (${(growth * 100).toFixed(1)}%, within 10%)`,
    growth <= 0.1,
  ],
  [`topic = file: ${consumed.length} consumed, ${ids.length} in the file, 0 lost, 0 twice`, topicEqualsFile],
  [`labels = events: ${unlabelled} events whose cascade_id has no label`, unlabelled === 0],
  [`no toxic left: ${toxics.length}`, toxics.length === 0],
];
for (const [what, ok] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
