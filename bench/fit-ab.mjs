// fit's CPU per event in one process for two builds, interleaved: the finer figure when a change is
// worth a few percent (a child's wall time on a shared machine moves by more than that).
// Usage: node bench/fit-ab.mjs --before DIR --events FILE [--after DIR] [--rounds 7]
//        (DIR: a checkout with a built dist/; --after defaults to this one)
// Each round runs fitInputs of both builds on FILE, in turn, and prints µs of CPU per event; the
// best of each is the figure (the first rounds include the JIT's warm-up, as a child's run does).
import { parseArgs } from "node:util";
import { fitCpu } from "./fit-in-process.mjs";

const { values } = parseArgs({
  options: {
    before: { type: "string" },
    after: { type: "string", default: new URL("..", import.meta.url).pathname },
    events: { type: "string" },
    rounds: { type: "string", default: "7" },
  },
});
if (values.before === undefined || values.events === undefined) {
  console.error("fit-ab: --before DIR and --events FILE are required");
  process.exit(2);
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`fit-ab: --rounds: expected a whole number >= 1, got ${values.rounds}`);
  process.exit(2);
}
const load = (dir) =>
  import(new URL("dist/analysis/fit/index.js", `file://${dir.replace(/\/?$/, "/")}`).href);
const builds = [
  ["before", await load(values.before)],
  ["after", await load(values.after)],
];
const best = { before: Number.POSITIVE_INFINITY, after: Number.POSITIVE_INFINITY };
for (let r = 1; r <= rounds; r++) {
  const line = [];
  for (const [name, m] of builds) {
    const { calls, cpu } = await fitCpu(m.fitInputs, values.events);
    const us = (cpu * 1e6) / calls;
    best[name] = Math.min(best[name], us);
    line.push(`${name} ${us.toFixed(3)}`);
  }
  console.log(`round ${r}: µs CPU/event ${line.join(", ")}`);
}
console.log(
  `best: before ${best.before.toFixed(3)}, after ${best.after.toFixed(3)} µs CPU/event (after/before ${(best.after / best.before).toFixed(3)})`,
);
