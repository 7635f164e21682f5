import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import { labelRecord } from "../../src/event/labels.js";
import { runCli, tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-replay-cascades-");
afterAll(() => tmp.remove());

const at = (name: string) => join(tmp.dir, name);
const lines = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
const ms = (iso: string) => Date.parse(iso);
const START = "2026-03-01T00:00:00.000Z";
const QUIET = ["--metrics-addr", "127.0.0.1:0", "--log-level", "warn", "--speed", "max", "--start", START];

// Every touched call changes status (no ramp: severity 1; unavailable + timeout = 1); a third are retried.
const DRILL = {
  name: "drill",
  every: "20m",
  duration: "10m",
  scope: { endpoints: ["/api/*"] },
  effects: {
    unavailable: { probability: 0.8 },
    timeout: { probability: 0.2, after: "2s" },
    retry: { probability: 0.3, max: 2, backoff: ["1s", "1s"] },
  },
};

/** A recording: `generate` output cut to the sessions that start in its first `firstMs`. */
async function recording(name: string, extra: string[], firstMs: number): Promise<string> {
  const full = at(`${name}.full.jsonl`);
  const r = await runCli([
    "generate",
    "--users",
    "300",
    "--days",
    "1",
    "--seed",
    "5",
    "--out",
    full,
    ...extra,
  ]);
  expect(r.code, r.stderr).toBe(0);
  const all = lines<TraceEvent>(full);
  const t0 = ms(all[0]!.timestamp);
  const keep = new Set(
    all.filter((e) => e.call_index === 0 && ms(e.timestamp) - t0 < firstMs).map((e) => e.session_id),
  );
  const path = at(`${name}.jsonl`);
  writeFileSync(
    path,
    `${all
      .filter((e) => keep.has(e.session_id))
      .map((e) => JSON.stringify(e))
      .join("\n")}\n`,
  );
  return path;
}

function config(name: string, cascades: unknown[]): string {
  const path = at(`${name}.yaml`);
  writeFileSync(path, `cascades: ${JSON.stringify(cascades)}\n`);
  return path;
}

interface Replayed {
  events: TraceEvent[];
  labels: CascadeLabel[];
  eventsText: string;
  labelsText: string;
}

async function replay(
  input: string,
  name: string,
  cascades: unknown[],
  more: string[] = [],
): Promise<Replayed> {
  const out = at(`${name}.out.jsonl`);
  const labels = out.replace(/\.jsonl$/, ".labels.jsonl");
  const r = await runCli([
    "replay",
    "--input",
    input,
    "--config",
    config(name, cascades),
    "--out",
    out,
    ...QUIET,
    ...more,
  ]);
  expect(r.code, r.stderr).toBe(0);
  let labelsText = "";
  try {
    labelsText = readFileSync(labels, "utf8");
  } catch {}
  const eventsText = readFileSync(out, "utf8");
  return { events: lines(out), labels: labelsText === "" ? [] : lines(labels), eventsText, labelsText };
}

/** Each session's events in order. */
function bySession(events: readonly TraceEvent[]): Map<string, TraceEvent[]> {
  const m = new Map<string, TraceEvent[]>();
  for (const e of events) m.set(e.session_id, [...(m.get(e.session_id) ?? []), e]);
  return m;
}

let plain: string;
beforeAll(async () => {
  plain = await recording("plain", [], 2 * 3_600_000);
});

describe("replay into the sinks with cascades", () => {
  it("gives recorded calls inside a window its effects, labels equal events, no window after the replay", async () => {
    const rec = lines<TraceEvent>(plain);
    const { events, labels } = await replay(plain, "drill", [DRILL]);
    for (const l of labels) labelRecord.parse(l);
    const closed = labels.filter((l) => l.state === "closed");
    expect(closed.length).toBeGreaterThan(2);
    // Windows are planned over the span replayed: none starts after the last replayed call.
    const last = Math.max(...events.map((e) => ms(e.timestamp)));
    for (const l of labels) expect(ms(l.start)).toBeLessThanOrEqual(last);
    expect(labels.map((l) => `${l.cascade_id}:${l.state}`)).toEqual(
      closed.flatMap((l) => [`${l.cascade_id}:open`, `${l.cascade_id}:closed`]),
    );
    // The same exact check as for run: a call in scope inside [start, end) carries the window's id, no
    // other call does; a retry carries the id of the call it retries.
    const recorded = bySession(rec);
    let touched = 0;
    let retries = 0;
    for (const [id, list] of bySession(events)) {
      const originals = recorded.get(id)!;
      let k = 0;
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (e.is_retry) {
          retries++;
          expect(e.cascade_id, e.event_id).toBe(list[i - 1]!.cascade_id);
          continue;
        }
        const t = ms(e.timestamp);
        const want = closed.find((l) => ms(l.start) <= t && t < ms(l.end));
        expect(e.cascade_id, e.event_id).toBe(want?.cascade_id ?? null);
        const o = originals[k++]!;
        expect([e.method, e.path, e.endpoint]).toEqual([o.method, o.path, o.endpoint]);
        if (want === undefined) {
          // Untouched: as recorded.
          expect([e.status_code, e.response_time_ms]).toEqual([o.status_code, o.response_time_ms]);
        } else {
          // Touched calls really changed: refused (503) or timed out (504 after 2 s).
          touched++;
          expect(
            e.status_code === 503 || (e.status_code === 504 && e.response_time_ms === 2000),
            `${e.event_id} ${e.status_code}`,
          ).toBe(true);
        }
      }
      expect(k, id).toBe(originals.length);
    }
    expect(touched).toBeGreaterThan(50);
    expect(retries).toBeGreaterThan(5);
  });

  it("splits recorded sessions over --shard k/3: the union is the unsharded replay, labels from shard 0", async () => {
    const whole = await replay(plain, "whole", [DRILL]);
    const shards = await Promise.all(
      [0, 1, 2].map((k) => replay(plain, `shard-${k}`, [DRILL], ["--shard", `${k}/3`])),
    );
    const sessions = shards.map((s) => new Set(s.events.map((e) => e.session_id)));
    for (const s of sessions) expect(s.size).toBeGreaterThan(0);
    // Each recorded session in exactly one shard.
    expect(sessions.reduce((n, s) => n + s.size, 0)).toBe(
      new Set(whole.events.map((e) => e.session_id)).size,
    );
    const sorted = (text: string) => text.split("\n").filter(Boolean).sort();
    expect(shards.flatMap((s) => sorted(s.eventsText)).sort()).toEqual(sorted(whole.eventsText));
    expect(shards[0]!.labelsText).toBe(whole.labelsText);
    expect(shards[1]!.labels).toEqual([]);
    expect(shards[2]!.labels).toEqual([]);
  });
});

describe("replay keeps recorded labels", () => {
  it("keeps each call's recorded cascade_id, unless a cascade of the replay touches it", async () => {
    const input = await recording("labelled", ["--cascade-rate", "0.5"], 2 * 3_600_000);
    const rec = lines<TraceEvent>(input);
    const ids = rec.filter((e) => e.cascade_id !== null).length;
    expect(ids).toBeGreaterThan(20);
    const kept = await replay(input, "kept", []);
    const key = (e: TraceEvent) => `${e.event_id} ${e.status_code} ${e.response_time_ms} ${e.cascade_id}`;
    expect(kept.events.map(key).sort()).toEqual(rec.map(key).sort());
    // A window of the replay wins over the recorded id on the calls it touches; the others keep theirs.
    const late = { ...DRILL, effects: { ...DRILL.effects, retry: { probability: 0 } } };
    const drilled = await replay(input, "drilled", [late]);
    const recordedId = new Map(rec.map((e) => [e.event_id, e.cascade_id]));
    let won = 0;
    let keptIds = 0;
    for (const e of drilled.events) {
      if (e.cascade_id?.startsWith("drill-")) won++;
      else {
        expect(e.cascade_id, e.event_id).toBe(recordedId.get(e.event_id));
        if (e.cascade_id !== null) keptIds++;
      }
    }
    expect(won).toBeGreaterThan(20);
    expect(keptIds).toBeGreaterThan(5);
  });
});
