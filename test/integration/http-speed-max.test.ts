import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import type { TraceEvent } from "../../src/event/index.js";
import { tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";

// HTTP mode at `speed: max`: no wait but the responses. The closed model's pause between a user's
// sessions (default 5 s) goes the way of think times, and the walk stays a function of the seed.

const tmp = tempDir("tw-http-max-");
const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});
afterAll(() => tmp.remove());

const USERS = 4;
const DURATION_S = 2;
const DEFAULT_PAUSE_S = 5;

let runs = 0;
/** Runs the daemon in process at `speed: max` with the default pause; returns its events and summary. */
async function run(url: string) {
  const out = join(tmp.dir, `run-${runs++}.jsonl`);
  const config = await loadConfig({
    env: {},
    flags: {
      speed: "max",
      duration: `${DURATION_S}s`,
      workflow: ["ecommerce"],
      target: url,
      allowHost: ["127.0.0.1"],
      set: [
        "seed=11",
        "metrics.enabled=false",
        `sinks=[{type: file, path: ${out}}]`,
        `load={model: closed, users: ${USERS}}`, // pause left at its default
      ],
    },
  });
  expect(config.load.model === "closed" && config.load.pause).toBe(DEFAULT_PAUSE_S * 1000);
  const daemon = await createDaemon(
    config,
    pino({ level: "warn" }, new Writable({ write: (_c, _e, d) => d() })),
  );
  const summary = await daemon.run();
  expect(await daemon.close()).toEqual({ file: 0 });
  const events = readFileSync(out, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent);
  return { events, summary };
}

/** Each session's walk: its calls in order, without what the target decided (status, latency, time). */
function walks(events: readonly TraceEvent[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const e of [...events].sort((a, b) => a.call_index - b.call_index)) {
    const list = by.get(e.session_id) ?? [];
    list.push(`${e.call_index} ${e.method} ${e.path} ${JSON.stringify(e.params)} ${e.event_id}`);
    by.set(e.session_id, list);
  }
  return by;
}

describe("HTTP mode at speed max", () => {
  it("drops the closed model's pause between sessions, and the walk stays the seed's", async () => {
    const t = await startTarget();
    targets.push(t);
    const [a, b] = await Promise.all([run(t.url), run(t.url)]);
    for (const r of [a, b]) {
      // With the pause kept, a user's next session starts at least half a pause (2.5 s) after its
      // last one ended, so a 2 s run could start at most one session per user.
      const boundWithPause = USERS * Math.ceil(DURATION_S / (DEFAULT_PAUSE_S / 2));
      const sessions = new Set(r.events.map((e) => e.session_id)).size;
      expect(sessions).toBeGreaterThan(boundWithPause);
      expect(r.summary.sessionsStarted).toBe(sessions);
      expect(r.summary.requests).toBe(r.events.length);
    }
    // Same seed: every session both runs made is the same walk (ids, paths, parameters), whatever
    // the timing decided about how many each user got through.
    const [wa, wb] = [walks(a.events), walks(b.events)];
    const common = [...wa.keys()].filter((id) => wb.has(id));
    expect(common.length).toBeGreaterThan(USERS);
    for (const id of common) expect(wb.get(id), id).toEqual(wa.get(id));
  });
});
