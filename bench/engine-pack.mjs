#!/usr/bin/env node
// bench/engine-pack: the worker's side of `generate` to JSON Lines, in one process, with no thread and
// no file: the engine over an offline plan, its batches taken in one of four ways and dropped.
//   count    the engine fills a counter: no event made, nothing packed (the engine's own cost)
//   array    the engine fills arrays of events (what every other sink gets)
//   pack     the engine fills the packer, each call as its parts (what generate's worker does)
//   packarr  arrays of events, each batch then packed (BatchPacker.pack; the worker before 5 Dec 2026)
// Usage: node bench/engine-pack.mjs [--users N] [--mode M] [--workflow W] [--days D (1)] [--dist DIR]
// (run `npm run build` first;
// --dist: another checkout's dist/, for a before figure)
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    mode: { type: "string", default: "pack" },
    workflow: { type: "string", default: "ecommerce" },
    days: { type: "string", default: "1" },
    dist: { type: "string" },
  },
});
const dist = values.dist ?? new URL("../dist", import.meta.url).pathname;
const mode = values.mode;
const { generateDataset } = await import(`${dist}/daemon/generate.js`);
const { compileWorkflow, generationOptions } = await import(`${dist}/sim/index.js`);
const { getPreset } = await import(`${dist}/workflow/index.js`);
const { BatchPacker } = await import(`${dist}/sinks/jsonl-packer.js`);

const packer = new BatchPacker();
let events = 0;
const noLabels = async () => {};
const counter = {
  length: 0,
  push() {
    this.length++;
  },
  takeCall() {
    this.length++;
    return true;
  },
};
const outs = {
  count: {
    newBatch: () => {
      counter.length = 0;
      return counter;
    },
    write: async (c) => {
      events += c.length;
    },
    writeLabels: noLabels,
  },
  array: {
    write: async (batch) => {
      events += batch.length;
    },
    writeLabels: noLabels,
  },
  pack: {
    newBatch: () => {
      packer.begin();
      return packer;
    },
    write: async (p) => {
      const b = p.finish();
      events += b.count;
      packer.recycle(b.ints, b.nums);
    },
    writeLabels: noLabels,
  },
  packarr: {
    write: async (batch) => {
      const b = packer.pack(batch);
      events += b.count;
      packer.recycle(b.ints, b.nums);
    },
    writeLabels: noLabels,
  },
};
const out = outs[mode];
if (out === undefined) throw new Error(`--mode: one of ${Object.keys(outs).join(", ")}`);

const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
await generateDataset(
  {
    workflow: compileWorkflow(getPreset(values.workflow)),
    generation: generationOptions({ seed: 1 }),
    users: Number(values.users),
    sessionsPerUser: { mean: 3, std: 2 },
    startMs: Date.parse("2026-01-01T00:00:00Z"),
    durationMs: Number(values.days) * 86_400_000,
    shard: { index: 0, count: 1 },
  },
  out,
  { batchSize: 8192 },
);
const wall = Number(process.hrtime.bigint() - t0) / 1e6;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1000;
console.log(
  `${mode}: ${events.toLocaleString("en-US")} events  ${wall.toFixed(0)} ms  CPU ${cpu.toFixed(0)} ms  ${((wall * 1e6) / events).toFixed(0)} ns/event`,
);
