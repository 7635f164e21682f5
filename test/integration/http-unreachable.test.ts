import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { probeTarget } from "../../src/cli/target-report.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { freePort, startTarget, type Target } from "../helpers/http-target.js";

const tmp = tempDir("tw-http-unreachable-");
const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});
afterAll(() => tmp.remove());

/** `run` against `url` for 2 s of real time, events to a file; its exit, log lines and events. */
async function run(url: string, name: string) {
  const out = join(tmp.dir, `${name}.jsonl`);
  const r = await runCli([
    ...["run", "--target", url, "--allow-host", "127.0.0.1", "--duration", "2s", "--out", out],
    ...["--metrics-addr", "127.0.0.1:0", "--set", "log.pretty=false"],
    ...["--set", "generation.think_time={min_s: 0, max_s: 0, long_probability: 0}"],
  ]);
  const lines = r.stderr
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  const events = readFileSync(out, "utf8").split("\n").filter(Boolean);
  return { code: r.code, lines, events: events.map((l) => JSON.parse(l) as { error: string | null }) };
}

describe("a target that cannot be reached", () => {
  it("the probe says why in one bounded connect: refused, or null when something listens", async () => {
    const dead = await freePort();
    expect(await probeTarget(`http://127.0.0.1:${dead}`, 10_000)).toBe("refused");
    const t = await startTarget();
    targets.push(t);
    expect(await probeTarget(t.url, 10_000)).toBeNull();
    expect(t.received).toEqual([]); // a connect, not a request
  });

  it("every request refused: a warning at start, failures by kind in the last line, exit 0", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, lines, events } = await run(url, "dead");
    expect(code).toBe(0);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.error === "refused")).toBe(true);
    const warning = lines.find((l) => l.msg.startsWith(`target ${url} cannot be reached`))!;
    expect(warning).toMatchObject({
      level: 40,
      msg: `target ${url} cannot be reached (refused): its requests will fail, as events, until it answers`,
    });
    // Before the run's first line of results, and the very last line counts what happened.
    expect(lines.indexOf(warning)).toBeLessThan(lines.findIndex((l) => l.msg.startsWith("run finished")));
    const n = events.length;
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      msg: `sinks flushed; bye: ${n} requests, ${n} failed: refused ${n} (every request failed)`,
    });
  });

  it("a target that answers gets no warning; its last line counts the failures there were", async () => {
    const t = await startTarget((r) => (r.path === "/api/search" ? "reset" : {}));
    targets.push(t);
    const { code, lines, events } = await run(t.url, "live");
    expect(code).toBe(0);
    expect(lines.some((l) => l.msg.includes("cannot be reached"))).toBe(false);
    const n = events.length;
    const resets = events.filter((e) => e.error === "reset").length;
    const last =
      resets === 0 ? `${n} requests, none failed` : `${n} requests, ${resets} failed: reset ${resets}`;
    expect(lines.at(-1)).toMatchObject({ level: 30, msg: `sinks flushed; bye: ${last}` });
  });
});
