#!/usr/bin/env node
// bench/sessions: memory per concurrent session with 1,000,000 sessions in one process (closed model,
// long think times, real-time speed), and the schedule lag under that load. Anchor, in the same run:
// the memory of one pending setTimeout per session, the design the one-heap scheduler replaces.
// Usage: node --expose-gc bench/sessions.mjs [--sessions N] [--seconds S]   (run `npm run build` first)
import { parseArgs } from "node:util";
import { parseConfig } from "../dist/config/index.js";
import { createDaemon } from "../dist/daemon/daemon.js";
import { createLogger } from "../dist/daemon/log.js";

const { values } = parseArgs({
  options: { sessions: { type: "string", default: "1000000" }, seconds: { type: "string", default: "80" } },
});
const n = Number(values.sessions);
const seconds = Number(values.seconds);
if (typeof global.gc !== "function") throw new Error("run with node --expose-gc");

function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

// Anchor: one setTimeout per session, as a naive scheduler would hold them.
const a0 = heap();
const timers = [];
for (let i = 0; i < n; i++) timers.push(setTimeout(() => {}, 3_600_000 + i));
const perTimer = (heap() - a0) / n;
for (const t of timers) clearTimeout(t);
timers.length = 0;

// tracewalk: n users each looping sessions; every call 60-120 virtual s apart, at speed 1.
const config = parseConfig({
  load: { model: "closed", users: n, pause: "60s" },
  clock: { speed: 1 },
  generation: { think_time: { min_s: 60, max_s: 120, long_probability: 0 } },
  sinks: [{ type: "file", path: "/dev/null" }],
  metrics: { enabled: false },
});
const daemon = await createDaemon(config, createLogger("warn", false));
const base = heap();
const running = daemon.run();
// Measuring forces full GCs that stop the loop for a while, so it happens once, at the end, and the
// arrivals counted late before that are the scheduler's own.
await new Promise((r) => setTimeout(r, seconds * 1000));
const lateBefore = (await daemon.registry.getSingleMetric("tracewalk_arrivals_late_total").get()).values[0]
  ?.value;
const sessions = daemon.runner.activeSessions;
const peak = { sessions, bytes: heap() - base, rss: process.memoryUsage().rss };
daemon.runner.cutInFlight();
const summary = await running;
await daemon.close();

const lag = (await daemon.registry.getSingleMetric("tracewalk_schedule_lag_seconds").get()) ?? null;
const perSession = peak.bytes / peak.sessions;
console.log(
  `sessions in flight at the end: ${peak.sessions.toLocaleString("en-US")} (${summary.events.toLocaleString("en-US")} events in ${seconds} s, real time)`,
);
console.log(
  `tracewalk heap per concurrent session: ${perSession.toFixed(0)} B  (heap +${(peak.bytes / 1e6).toFixed(0)} MB, rss ${(peak.rss / 1e6).toFixed(0)} MB)`,
);
console.log(`anchor, one pending setTimeout per session: ${perTimer.toFixed(0)} B`);
console.log(`ratio tracewalk/anchor (memory): ${(perSession / perTimer).toFixed(2)}`);
if (lag) {
  const count = lag.values.find((v) => v.metricName.endsWith("_count"))?.value ?? 0;
  const sum = lag.values.find((v) => v.metricName.endsWith("_sum"))?.value ?? 0;
  const within = (le) =>
    (lag.values.find((v) => v.metricName.endsWith("_bucket") && v.labels.le === le)?.value ?? 0) / count;
  console.log(
    `schedule lag: mean ${((sum / count) * 1000).toFixed(1)} ms over ${count} batches; <=10 ms ${(within(0.01) * 100).toFixed(1)}%, <=100 ms ${(within(0.1) * 100).toFixed(1)}%, <=1 s ${(within(1) * 100).toFixed(1)}%`,
  );
}
console.log(`arrivals late (>1 s behind schedule) before the measurement: ${lateBefore ?? "n/a"}`);
