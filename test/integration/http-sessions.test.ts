import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startDaemon, tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";
import { sample, scrapeUntil } from "../helpers/metrics.js";

// In HTTP mode a session waiting for its response is in progress: active_sessions counts it, and a
// shutdown that cuts it says so (sessions_cut).

const tmp = tempDir("tw-http-sessions-");
const children: ChildProcess[] = [];
let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => tmp.remove());

const USERS = 4;

describe("active_sessions in HTTP mode", () => {
  it("counts sessions waiting for a slow server, and the shutdown cuts and counts them", async () => {
    // The server answers nothing until the test ends: every session waits on its first call.
    target = await startTarget(() => "hang");
    const { run, base, log } = await startDaemon(
      [
        "--target",
        target.url,
        "--allow-host",
        "127.0.0.1",
        "--metrics-addr",
        "127.0.0.1:0",
        "--set",
        `load={model: closed, users: ${USERS}}`,
        "--set",
        "target.timeout=10m",
        "--set",
        "drain_timeout=2s",
        "--out",
        join(tmp.dir, "events.jsonl"),
      ],
      children,
    );
    const text = await scrapeUntil(
      base,
      `${USERS} requests waiting`,
      (t) => target!.received.length === USERS && sample(t, "tracewalk_http_requests_in_flight") === USERS,
    );
    // Each user's session waits for its response: all in progress.
    expect(sample(text, "tracewalk_active_sessions")).toBe(USERS);
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, log().slice(-2000)).toBe(0);
    const cut = r.stderr.split("\n").find((l) => l.includes("sessions cut; writing their labels"));
    expect(cut, r.stderr.slice(-2000)).toBeDefined();
    expect(JSON.parse(cut!).sessions_cut).toBe(USERS);
  });
});
