import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import { createLogger } from "../../src/daemon/log.js";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import { tempDir } from "../helpers/cli.js";
import { binomialBound } from "./helpers.js";

const tmp = tempDir("tw-windows-");
afterAll(() => tmp.remove());

const START = Date.parse("2026-01-01T00:00:00Z");

// No base errors and no jitter: a 5xx is the window's, a latency above the mean was slowed.
const FLAT = join(tmp.dir, "flat.yaml");
writeFileSync(
  FLAT,
  `name: flat
entry_points: { /a: 1 }
transitions:
  /a: { /pay: 0.5, /b: 0.5 }
  /b: { /pay: 0.6, $end: 0.4 }
  /pay: { /a: 0.3, $end: 0.7 }
exit_points: []
avg_response_times: { /a: 100, /b: 100, /pay: 100 }
endpoints:
  /a: { error_rate: 0, response_time_jitter: 0 }
  /b: { error_rate: 0, response_time_jitter: 0 }
  /pay: { error_rate: 0, response_time_jitter: 0 }
`,
);

interface Run {
  events: TraceEvent[];
  labels: CascadeLabel[];
}

let runs = 0;
/** Runs a config at `max` speed into a file sink and reads back its events and label records. */
async function run(set: string[], cascades: unknown[], workflow = FLAT): Promise<Run> {
  const out = join(tmp.dir, `run-${runs++}.jsonl`);
  const config = await loadConfig({
    env: {},
    flags: {
      speed: "max",
      duration: "2h",
      start: new Date(START).toISOString(),
      workflow: [workflow],
      set: [
        "metrics.enabled=false",
        "load={model: open, arrival_rate: 2}",
        `sinks=[{type: file, path: ${out}}]`,
        `cascades=${JSON.stringify(cascades)}`,
        ...set,
      ],
    },
  });
  const daemon = await createDaemon(config, createLogger("silent", false));
  await daemon.run();
  expect(await daemon.close()).toEqual({ file: 0 });
  const read = <T>(p: string): T[] => {
    try {
      return readFileSync(p, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
    } catch {
      return [];
    }
  };
  return {
    events: read<TraceEvent>(out),
    labels: read<CascadeLabel>(out.replace(/\.jsonl$/, ".labels.jsonl")),
  };
}

const ms = (iso: string) => Date.parse(iso);

/** Each session's events in order (Map.groupBy is Node 21+). */
function bySession(events: readonly TraceEvent[]): Map<string, TraceEvent[]> {
  const m = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const list = m.get(e.session_id);
    if (list === undefined) m.set(e.session_id, [e]);
    else list.push(e);
  }
  return m;
}

/** Whether the session's next call after each event is a retry of it. */
function retried(events: readonly TraceEvent[]): Set<TraceEvent> {
  const out = new Set<TraceEvent>();
  for (const list of bySession(events).values()) {
    for (let i = 0; i + 1 < list.length; i++) if (list[i + 1]!.is_retry) out.add(list[i]!);
  }
  return out;
}
const PAY = { name: "pay", every: "30m", offset: "10m", duration: "10m", scope: { endpoints: ["/pay*"] } };

describe("scheduled cascade windows in a run", () => {
  it("label each window exactly: a call in scope inside [start, end) carries its id, no other call does", async () => {
    const { events, labels } = await run([], [{ ...PAY, ramp: "2m" }]);
    const closed = labels.filter((l) => l.state === "closed");
    expect(closed.map((l) => [l.cascade_id, l.start, l.end])).toEqual(
      [0, 1, 2, 3].map((n) => [
        `pay-${n}`,
        new Date(START + 10 * 60_000 + n * 30 * 60_000).toISOString(),
        new Date(START + 20 * 60_000 + n * 30 * 60_000).toISOString(),
      ]),
    );
    // Each window opens before it closes, once each.
    expect(labels.map((l) => `${l.cascade_id}:${l.state}`)).toEqual(
      closed.flatMap((l) => [`${l.cascade_id}:open`, `${l.cascade_id}:closed`]),
    );
    const previous = new Map<string, TraceEvent>();
    let touched = 0;
    for (const e of events) {
      const t = ms(e.timestamp);
      if (e.is_retry) {
        // A retry carries the id of the call it retries.
        expect(e.cascade_id).toBe(previous.get(e.session_id)!.cascade_id);
      } else {
        const want = closed.find((l) => e.endpoint === "/pay" && ms(l.start) <= t && t < ms(l.end));
        expect(e.cascade_id, e.event_id).toBe(want?.cascade_id ?? null);
        if (want) touched++;
      }
      previous.set(e.session_id, e);
    }
    expect(touched).toBeGreaterThan(500);
  });

  it("slow, time out, refuse and retry the touched calls in the configured proportions", async () => {
    const { events } = await run([], [PAY]);
    const first = events.filter((e) => e.cascade_id !== null && !e.is_retry);
    const n = first.length;
    expect(n).toBeGreaterThan(1000);
    const share = (f: (e: TraceEvent) => boolean) => first.filter(f).length / n;
    const retriedCalls = retried(events);
    const checks: [string, number, number][] = [
      ["timeout (504 after 30s)", share((e) => e.status_code === 504 && e.response_time_ms === 30_000), 0.2],
      ["unavailable (503)", share((e) => e.status_code === 503), 0.15],
      // Slowing and timing out are drawn apart; a timed-out call's latency is the timeout's.
      [
        "slowed (3-10x), not timed out",
        share((e) => e.status_code !== 504 && e.response_time_ms >= 300),
        0.6 * 0.8,
      ],
      ["retried", share((e) => retriedCalls.has(e)), 0.3],
    ];
    for (const [what, got, p] of checks) {
      expect(Math.abs(got - p), `${what}: ${got} vs ${p} over ${n}`).toBeLessThan(binomialBound(p, n));
    }
    // Slowed calls stay within the factor range; untouched calls keep the mean exactly.
    for (const e of first.filter((x) => x.status_code !== 504)) {
      expect(e.response_time_ms === 100 || (e.response_time_ms >= 300 && e.response_time_ms <= 1000)).toBe(
        true,
      );
    }
    for (const e of events.filter((x) => x.cascade_id === null)) expect(e.response_time_ms).toBe(100);
  });

  it("retry a touched call at most retry.max times while its window is open", async () => {
    const always = { ...PAY, effects: { retry: { probability: 1, max: 2, backoff: ["1s", "1s"] } } };
    const { events } = await run([], [always]);
    let chains = 0;
    for (const list of bySession(events).values()) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (e.is_retry || e.cascade_id === null) continue;
        let k = 0;
        while (list[i + 1 + k]?.is_retry) k++;
        // Each retry carries the call's id; two retries, fewer only when the window closed in between
        // (a retry after it keeps its own outcome, so it is not retried again).
        for (const r of list.slice(i + 1, i + 1 + k)) expect(r.cascade_id).toBe(e.cascade_id);
        expect(k).toBeLessThanOrEqual(2);
        if (k === 2) chains++;
      }
    }
    expect(chains).toBeGreaterThan(100);
  });

  it("change outcomes only: every session walks the same endpoints and paths as without cascades", async () => {
    const plain = await run([], []);
    const drill = await run([], [PAY]);
    const walks = (r: Run) => {
      const m = new Map<string, string[]>();
      for (const e of r.events)
        if (!e.is_retry) m.set(e.session_id, [...(m.get(e.session_id) ?? []), e.path]);
      return m;
    };
    const a = walks(plain);
    const b = walks(drill);
    expect(b.size).toBe(a.size);
    for (const [id, path] of a) expect(b.get(id), id).toEqual(path);
  });

  it("touch the same calls in every shard; shard 0 alone writes the label records", async () => {
    const whole = await run([], [PAY]);
    const s0 = await run(["shard=0/2"], [PAY]);
    const s1 = await run(["shard=1/2"], [PAY]);
    const key = (e: TraceEvent) => `${e.event_id} ${e.cascade_id} ${e.status_code} ${e.response_time_ms}`;
    expect([...s0.events, ...s1.events].map(key).sort()).toEqual(whole.events.map(key).sort());
    expect(s0.labels).toEqual(whole.labels);
    expect(s1.labels).toEqual([]);
  });

  it("propagate to the callers of the service after the delay, damped, each hop labelled with its origin", async () => {
    const outage = {
      name: "pay-outage",
      at: ["10m"],
      duration: "5m",
      scope: { endpoints: ["/payments*"] },
      propagate: { delay: "2m", damping: 0.5 },
    };
    const { events, labels } = await run([], [outage], "microservices");
    const closed = labels.filter((l) => l.state === "closed");
    const origin = closed.find((l) => l.cascade_id === "pay-outage-0")!;
    const hops = closed.filter((l) => l.origin !== undefined);
    expect(hops.length).toBeGreaterThan(0);
    for (const h of hops) {
      expect(h.origin).toBe("pay-outage-0");
      expect(h.hop).toBe(1);
      expect(h.cascade_id).toBe(`pay-outage-0.${h.service}`);
      expect(ms(h.start) - ms(origin.start)).toBe(2 * 60_000);
      expect(ms(h.end) - ms(origin.end)).toBe(2 * 60_000);
      expect((h.effects as { slow: { probability: number } }).slow.probability).toBe(0.3);
    }
    // Exactly the calls to a hop's endpoints inside its (delayed) window carry its id.
    const byId = new Map(closed.map((l) => [l.cascade_id, l]));
    for (const e of events) {
      if (e.is_retry) continue;
      const t = ms(e.timestamp);
      const want = closed.find(
        (l) =>
          (l.scope.endpoints as string[]).some((g) =>
            g.endsWith("*") ? e.endpoint.startsWith(g.slice(0, -1)) : e.endpoint === g,
          ) &&
          ms(l.start) <= t &&
          t < ms(l.end),
      );
      expect(e.cascade_id, e.event_id).toBe(want?.cascade_id ?? null);
    }
    for (const h of hops)
      expect(
        events.some((e) => e.cascade_id === h.cascade_id),
        h.cascade_id,
      ).toBe(true);
    expect(byId.size).toBe(hops.length + 1);
  });
});
