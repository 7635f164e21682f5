#!/usr/bin/env node
// bench/plan: the offline plan alone (`generate --users`'s session source), in one process: the hash of
// its arrivals (the same for every build of the same plan: compare it across checkouts), then over
// --repeat builds the time to build it (up to its first arrival) and to take every arrival after.
// Usage: node bench/plan.mjs [--users N] [--days D (7)] [--repeat R (6)] [--dist DIR]   (run `npm run build` first)
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    days: { type: "string", default: "7" },
    repeat: { type: "string", default: "6" },
    // Another checkout's dist/, for a before figure.
    dist: { type: "string" },
  },
});
const dist = values.dist ?? new URL("../dist", import.meta.url).pathname;
const { OfflineArrivals, seedKey } = await import(`${dist}/sim/index.js`);
const options = {
  key: seedKey(1),
  users: Number(values.users),
  sessionsPerUser: { mean: 3, std: 2 },
  startMs: Date.parse("2026-01-01T00:00:00Z"),
  durationMs: Number(values.days) * 86_400_000,
  shard: { index: 0, count: 1 },
};
// The arrivals' hash, once, untimed: the same for every build of the same plan.
const hash = createHash("sha1");
let arrivals = 0;
for (const plan = new OfflineArrivals(options); plan.peek() !== Number.POSITIVE_INFINITY; arrivals++) {
  const a = plan.take();
  hash.update(`${a.at},${a.user},${a.session},${a.typeU},${a.last};`);
}
console.log(`arrivals ${arrivals.toLocaleString("en-US")}  sha1 ${hash.digest("hex").slice(0, 16)}`);
for (let r = 0; r < Number(values.repeat); r++) {
  const t0 = performance.now();
  const plan = new OfflineArrivals(options);
  const t1 = performance.now();
  let users = 0;
  while (plan.peek() !== Number.POSITIVE_INFINITY) users += plan.take().user;
  const t2 = performance.now();
  if (users < 0) throw new Error("unreachable");
  console.log(`build ${(t1 - t0).toFixed(0)} ms  take ${(t2 - t1).toFixed(0)} ms`);
}
