#!/usr/bin/env node
// bench/otlp: OTLP spans/s end to end (the daemon's otlp sink into a real OpenTelemetry Collector on
// loopback, each export acknowledged after the collector's pipeline took it) beside the file sink's
// events/s, the same config and seed in the same run. Spans are the calls plus one root per session.
// Usage: node bench/otlp.mjs [--users N] [--duration D] [--protocol http/protobuf|http/json]
//        [--compression gzip|none] [--cascade-rate R] (share of sessions a per-session cascade touches)
//        (run `npm run build` first; the collector is built by scripts/otelcol/build.sh, cached)
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseConfig } from "../dist/config/index.js";
import { createDaemon } from "../dist/daemon/daemon.js";
import { createLogger } from "../dist/daemon/log.js";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "200" },
    duration: { type: "string", default: "6h" },
    protocol: { type: "string", default: "http/protobuf" },
    compression: { type: "string", default: "gzip" },
    "cascade-rate": { type: "string", default: "0" },
  },
});

const build = spawnSync("bash", [new URL("../scripts/otelcol/build.sh", import.meta.url).pathname], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
if (build.status !== 0) throw new Error("scripts/otelcol/build.sh failed");
const bin = build.stdout.trim();

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const portOpen = (port) =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

const dir = mkdtempSync(join(tmpdir(), "tw-bench-otlp-"));
const port = await freePort();
const cfg = join(dir, "otelcol.yaml");
writeFileSync(
  cfg,
  `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:${port}" } } } }
exporters: { debug: { verbosity: basic } }
service:
  telemetry: { metrics: { level: none }, logs: { level: warn } }
  pipelines: { traces: { receivers: [otlp], exporters: [debug] } }
`,
);
const collector = spawn(bin, ["--config", cfg], { stdio: "ignore" });
const until = Date.now() + 30_000;
while (!(await portOpen(port))) {
  if (Date.now() > until || collector.exitCode !== null) throw new Error("the collector did not start");
  await new Promise((r) => setTimeout(r, 100));
}

async function run(sink) {
  const config = parseConfig({
    seed: 1,
    generation: { cascade_rate: Number(values["cascade-rate"]) },
    load: { model: "closed", users: Number(values.users), pause: "1m" },
    clock: { speed: "max", duration: values.duration },
    sinks: [sink],
    metrics: { enabled: false },
  });
  const daemon = await createDaemon(config, createLogger("warn", false));
  const t0 = performance.now();
  const summary = await daemon.run();
  const undelivered = await daemon.close();
  const s = (performance.now() - t0) / 1000;
  return { summary, s, undelivered };
}

try {
  const otlp = await run({
    type: "otlp",
    endpoint: `http://127.0.0.1:${port}`,
    protocol: values.protocol,
    compression: values.compression,
  });
  const file = await run({ type: "file", path: join(dir, "events.jsonl") });
  const spans = otlp.summary.events + otlp.summary.sessionsStarted;
  const spansPerS = spans / otlp.s;
  const eventsPerS = file.summary.events / file.s;
  console.log(
    `users ${values.users}, ${values.duration} virtual, seed 1, ${values.protocol}, ${values.compression}, cascade_rate ${values["cascade-rate"]}`,
  );
  console.log(
    `otlp -> collector: ${spans.toLocaleString("en-US")} spans (${otlp.summary.events.toLocaleString("en-US")} calls) in ${otlp.s.toFixed(2)} s = ${Math.round(spansPerS).toLocaleString("en-US")} spans/s, undelivered ${JSON.stringify(otlp.undelivered)}`,
  );
  console.log(
    `file (anchor):     ${file.summary.events.toLocaleString("en-US")} events in ${file.s.toFixed(2)} s = ${Math.round(eventsPerS).toLocaleString("en-US")} events/s`,
  );
  console.log(`ratio otlp spans/s / file events/s: ${(spansPerS / eventsPerS).toFixed(3)}`);
} finally {
  collector.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
