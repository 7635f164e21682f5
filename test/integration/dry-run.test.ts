import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { TraceEvent } from "../../src/event/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";

const tmp = tempDir("tw-dry-");
const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});
afterAll(() => tmp.remove());

const events = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent);

// The model: 4 closed-loop users, each call followed by exactly 500 ms of think time (no long
// thinks), sessions 1 ms apart; HTTP mode's clock is real time, so the first 10 s hold 20 calls per
// user at most. (The duration stops arrivals; sessions in flight, of 8 calls at most, then finish.)
const USERS = 4;
const THINK_MS = 500;
const SECONDS = 10;
const MODEL = `load: { model: closed, users: ${USERS}, pause: 1ms }
generation: { max_length: 8, think_time: { min_s: 0.5, max_s: 0.5, long_probability: 0 } }
target: { headers: { x-api-key: "$\{DRY_TOKEN}", x-team: drills } }
`;

describe("--dry-run: HTTP mode with the send left out", () => {
  it("paces requests as the real HTTP run does, in real time, printing each with its secrets hidden", async () => {
    const t = await startTarget();
    targets.push(t);
    const config = join(tmp.dir, "model.yaml");
    writeFileSync(config, MODEL);
    const args = (out: string, more: string[]) => [
      "run",
      "--config",
      config,
      "--target",
      t.url,
      "--allow-host",
      "127.0.0.1",
      "--speed",
      "1",
      "--duration",
      `${SECONDS}s`,
      "--out",
      out,
      "--metrics-addr",
      "127.0.0.1:0",
      "--log-level",
      "warn",
      ...more,
    ];
    const env = { ...process.env, DRY_TOKEN: "dry-s3cret-77" };
    const before = Date.now();
    const [dry, real] = await Promise.all([
      runCli(args(join(tmp.dir, "dry.jsonl"), ["--dry-run"]), { env }),
      runCli(args(join(tmp.dir, "real.jsonl"), []), { env }),
    ]);
    const after = Date.now();
    expect(dry.code, dry.stderr.slice(-800)).toBe(0);
    expect(real.code, real.stderr.slice(-800)).toBe(0);
    const d = events(join(tmp.dir, "dry.jsonl"));
    const r = events(join(tmp.dir, "real.jsonl"));
    // Only the real run reached the target.
    expect(t.received.length).toBe(r.length);
    // Each call printed once: method, URL, body, headers with the secret's value hidden.
    const lines = dry.stderr.match(/^dry-run .*$/gm) ?? [];
    expect(lines.length).toBe(d.length);
    expect(lines[0]).toMatch(
      new RegExp(
        `^dry-run (GET|POST|PUT|DELETE) ${t.url}/api/\\S+.* \\| x-api-key: <hidden>; x-team: drills$`,
      ),
    );
    expect(dry.stderr).not.toContain("dry-s3cret-77");
    // Completed at once, as documented: status 200, latency 0.
    for (const e of d) expect([e.status_code, e.response_time_ms]).toEqual([200, 0]);
    // Real time: every call was stamped now, within the run.
    for (const e of [...d, ...r]) {
      const at = Date.parse(e.timestamp);
      expect(at).toBeGreaterThanOrEqual(before - 1);
      expect(at).toBeLessThanOrEqual(after);
    }
    // The model's rate: per user, one call every 500 ms (+ at most 1.5 ms between sessions) in the
    // first 10 s from the run's first call.
    const within = (list: TraceEvent[]) => {
      const t0 = Math.min(...list.map((e) => Date.parse(e.timestamp)));
      return list.filter((e) => Date.parse(e.timestamp) < t0 + SECONDS * 1000);
    };
    const perUser = (SECONDS * 1000) / THINK_MS;
    const dry10 = within(d).length;
    expect(dry10).toBeLessThanOrEqual(USERS * perUser);
    expect(dry10).toBeGreaterThanOrEqual(USERS * (perUser - 1));
    // The real run adds each response's latency to a user's cycle: no more calls than the dry run,
    // and fewer only by the cycles its slowest responses added.
    const real10 = within(r);
    const slowest = Math.max(...real10.map((e) => e.response_time_ms));
    expect(real10.length).toBeLessThanOrEqual(dry10);
    expect(real10.length).toBeGreaterThanOrEqual(
      USERS * (Math.floor((SECONDS * 1000) / (THINK_MS + slowest + 2)) - 1),
    );
  });
});
