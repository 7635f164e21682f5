#!/usr/bin/env node
// bench/memory: the memory `generate` needs for 100 thousand and for 10 million users, in one run.
// It runs the offline engine in-process (a small workflow, one short session per user, output to
// /dev/null) and samples the live heap, and apart from it the external memory (output chunks in flight,
// the window of at most 2^20 session starts), after a full GC every 2M events; the ratio of the peaks
// shows that memory does not grow with the number of users. About 2 minutes for 10M users.
// Usage: node --expose-gc bench/memory.mjs [--small 100000] [--large 10000000]  (run `npm run build` first)
import { parseArgs } from "node:util";
import { generateDataset } from "../dist/daemon/generate.js";
import { compileWorkflow, generationOptions } from "../dist/sim/index.js";
import { FileSink } from "../dist/sinks/file.js";
import { getPreset } from "../dist/workflow/index.js";

const { values } = parseArgs({
  options: { small: { type: "string", default: "100000" }, large: { type: "string", default: "10000000" } },
});
if (typeof global.gc !== "function") throw new Error("run with node --expose-gc");

async function run(users) {
  const sink = new FileSink({ path: "/dev/null" });
  await sink.start();
  let peak = 0;
  let peakExternal = 0;
  let next = 0;
  const sample = () => {
    global.gc();
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external);
  };
  const t0 = process.hrtime.bigint();
  const result = await generateDataset(
    {
      workflow: compileWorkflow(getPreset("simple")),
      generation: generationOptions({ seed: 1, maxLength: 3 }),
      users,
      sessionsPerUser: { mean: 1, std: 0 },
      startMs: Date.parse("2026-01-01T00:00:00Z"),
      durationMs: 7 * 86_400_000,
      shard: { index: 0, count: 1 },
    },
    sink,
    (p) => {
      if (p.events >= next) {
        next = p.events + 2_000_000;
        sample();
      }
    },
  );
  await sink.close();
  sample();
  return {
    users,
    events: result.events,
    peak,
    peakExternal,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

const small = await run(Number(values.small));
const large = await run(Number(values.large));
for (const r of [small, large]) {
  console.log(
    `${r.users.toLocaleString("en-US")} users: ${r.events.toLocaleString("en-US")} events in ${r.seconds.toFixed(1)} s, peak live heap ${(r.peak / 1e6).toFixed(1)} MB, peak external ${(r.peakExternal / 1e6).toFixed(1)} MB`,
  );
}
const pair = `${large.users.toLocaleString("en-US")} / ${small.users.toLocaleString("en-US")} users`;
console.log(`ratio of peak live heap, ${pair}: ${(large.peak / small.peak).toFixed(2)}`);
const total = (r) => r.peak + r.peakExternal;
console.log(`ratio of peak heap + external, ${pair}: ${(total(large) / total(small)).toFixed(2)}`);
