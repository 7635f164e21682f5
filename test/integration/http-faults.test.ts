// HTTP mode under network faults: a real Toxiproxy server between tracewalk and a real loopback HTTP
// server, one toxic (or the proxy down) for a whole short run. Each call must be recorded with the
// error kind the fault causes, the connections to the target stay within target.max_connections,
// and the run goes on to its end by itself. Real time throughout (HTTP mode runs on the wall clock).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import type { TraceEvent } from "../../src/event/index.js";
import { tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";
import { startToxiproxy, type Toxic, type Toxiproxy } from "../helpers/toxiproxy.js";

const tmp = tempDir("tw-httpfaults-");
let toxi: Toxiproxy;
let n = 0;
const USERS = 5;
const MAX_CONNECTIONS = 2;

beforeAll(async () => {
  toxi = await startToxiproxy();
}, 120_000);
afterAll(async () => {
  await toxi?.stop();
  tmp.remove();
});

/** A fresh target behind a fresh proxy: the proxy's name, its URL, and the target. */
async function proxied(): Promise<{ name: string; url: string; t: Target }> {
  const t = await startTarget();
  const name = `faults${n}`;
  const url = await toxi.proxy(name, `127.0.0.1:${t.port}`);
  return { name, url, t };
}

/** Runs the daemon in process against `url` for `duration` of real time; its events and undelivered counts. */
async function run(url: string, duration = "2s") {
  const out = join(tmp.dir, `run-${n++}.jsonl`);
  const config = await loadConfig({
    env: {},
    flags: {
      speed: "10",
      duration,
      set: [
        "metrics.enabled=false",
        `target={url: "${url}", allow_hosts: [127.0.0.1], timeout: 300ms, max_connections: ${MAX_CONNECTIONS}}`,
        `sinks=[{type: file, path: ${out}}]`,
        // Short sessions (three or four calls), so the run's last sessions end soon after it.
        "workflows=[{preset: simple}]",
        `load={model: closed, users: ${USERS}, pause: 0s}`,
        "generation.think_time={min_s: 0.2, max_s: 0.5, long_probability: 0}",
      ],
    },
  });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const daemon = await createDaemon(config, pino({ level: "warn" }, quiet));
  await daemon.run();
  const undelivered = await daemon.close();
  const events = readFileSync(out, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent);
  return { events, undelivered };
}

function kinds(events: TraceEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const k = e.status_code === 0 ? `0:${e.error}` : `${e.status_code}:${e.error ?? "none"}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * The most connections the target may see at once. The client holds at most MAX_CONNECTIONS; when a
 * fault tears one down, the target may see the client's next connection before the old one's close
 * (two sockets' events in one poll), so each slot may briefly count twice. Still below USERS: an
 * unbounded pool would open one per user.
 */
function connectionBound(tearsDown: boolean | undefined): number {
  return tearsDown ? 2 * MAX_CONNECTIONS : MAX_CONNECTIONS;
}

interface Case {
  fault: string;
  /** A toxic on the responses (downstream), or `down` for the proxy disabled. */
  toxic: Omit<Toxic, "name"> | "down";
  /** What every call must be recorded as: `200` or `0:<error kind>`. */
  want: string;
  /** The fault closes connections, so the client opens new ones. */
  tearsDown?: boolean;
}

const CASES: Case[] = [
  // Slower but whole: every call a 200 that took at least the latency.
  { fault: "latency", toxic: { type: "latency", attributes: { latency: 150 } }, want: "200:none" },
  // Bytes held forever: the client's own timeout ends each call (and closes its connection).
  {
    fault: "timeout",
    toxic: { type: "timeout", attributes: { timeout: 0 } },
    want: "0:timeout",
    tearsDown: true,
  },
  // An RST as the response comes back.
  {
    fault: "reset_peer",
    toxic: { type: "reset_peer", attributes: { timeout: 0 } },
    want: "0:reset",
    tearsDown: true,
  },
  // Responses cut in 5-byte pieces 1 ms apart: whole in the end.
  {
    fault: "slicer",
    toxic: { type: "slicer", attributes: { average_size: 5, size_variation: 2, delay: 1000 } },
    want: "200:none",
  },
  // The connection closed after 40 bytes, mid status line and headers.
  {
    fault: "limit_data",
    toxic: { type: "limit_data", attributes: { bytes: 40 } },
    want: "0:reset",
    tearsDown: true,
  },
  // The proxy down: it refuses connections.
  { fault: "down", toxic: "down", want: "0:refused" },
];

describe("HTTP mode through Toxiproxy faults", () => {
  it.each(CASES)(
    "$fault: every call recorded as $want, connections bounded, the run ends by itself",
    async ({ fault, toxic, want, tearsDown }) => {
      const { name, url, t } = await proxied();
      try {
        if (toxic === "down") await toxi.setEnabled(name, false);
        else await toxi.addToxic(name, { name: fault, stream: "downstream", ...toxic });
        // The run returning at all (well within the test's timeout) is "ends by itself".
        const { events, undelivered } = await run(url);
        expect(undelivered).toEqual({ file: 0 });
        // Sessions went on past their first call: the fault did not stop the run.
        expect(events.length).toBeGreaterThan(USERS);
        expect(kinds(events), fault).toEqual({ [want]: events.length });
        if (fault === "latency")
          for (const e of events) expect(e.response_time_ms).toBeGreaterThanOrEqual(149);
        expect(t.peakConnections()).toBeLessThanOrEqual(connectionBound(tearsDown));
        // Every call that got a 200 was answered by the target (none made up, none counted twice).
        const ok = events.filter((e) => e.status_code === 200).length;
        if (want === "200:none") expect(t.received.length).toBe(ok);
        if (fault === "down") expect(t.received).toHaveLength(0);
      } finally {
        await t.close();
      }
    },
    30_000,
  );

  it("a fault that comes and goes mid-run: calls fail while it is in place and succeed after", async () => {
    const { name, url, t } = await proxied();
    try {
      const running = run(url, "3s");
      // Timed marks, not sleeps for luck: what is asserted is split by the times the toxic was in place.
      await new Promise((r) => setTimeout(r, 700));
      const adding = Date.now();
      await toxi.addToxic(name, {
        name: "rst",
        stream: "downstream",
        type: "reset_peer",
        attributes: { timeout: 0 },
      });
      const added = Date.now();
      await new Promise((r) => setTimeout(r, 800));
      const removing = Date.now();
      await toxi.removeToxic(name, "rst");
      const removed = Date.now();
      const { events, undelivered } = await running;
      expect(undelivered).toEqual({ file: 0 });
      const sent = (e: TraceEvent) => Date.parse(e.timestamp);
      // Before: answered before the toxic was asked for; during: sent after it was in place and
      // ended before its removal was asked for; after: sent once it was gone.
      const before = events.filter((e) => sent(e) + e.response_time_ms < adding);
      const during = events.filter(
        (e) => sent(e) > added + 50 && sent(e) + e.response_time_ms < removing - 50,
      );
      const after = events.filter((e) => sent(e) > removed + 50);
      for (const [what, set] of [
        ["before", before],
        ["during", during],
        ["after", after],
      ] as const)
        expect(set.length, what).toBeGreaterThan(0);
      expect(kinds(before)).toEqual({ "200:none": before.length });
      expect(kinds(during)).toEqual({ "0:reset": during.length });
      expect(kinds(after)).toEqual({ "200:none": after.length });
      expect(t.peakConnections()).toBeLessThanOrEqual(connectionBound(true));
    } finally {
      await t.close();
    }
  }, 30_000);
});
