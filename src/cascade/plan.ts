import type { CascadeConfig } from "../config/cascade.js";
import { type Cron, countCronFirings, nextCronAt, parseCron } from "../config/cron.js";
import { seedKey as hashName, mix32 } from "../sim/rng.js";

/** Which calls a window touches. */
export type CascadeScope = CascadeConfig["scope"];
/** What a window does to the calls it touches. */
export type CascadeEffects = CascadeConfig["effects"];

/** One cascade window in virtual time (epoch ms); scheduled and triggered windows share this shape. */
export interface CascadeWindow {
  /** `<name>-<index>` for scheduled windows, `<name>-t<index>` for triggered ones; stable whatever range is planned. */
  cascade_id: string;
  name: string;
  index: number;
  start: number;
  end: number;
  ramp: number;
  scope: CascadeScope;
  effects: CascadeEffects;
  triggered: boolean;
  /** 32-bit key of this cascade's draws (share), from the run's seed key and the name. */
  key: number;
  /** The cascade_id of the window a propagated hop came from; null for a root window. */
  origin: string | null;
  /** Hops from the root window along the service map; 0 for a root window. */
  hop: number;
  /** The service a propagated hop reaches; null for a root window. */
  service: string | null;
}

/** Where the schedule is anchored: `clock.start` (epoch ms) and the run's seed key (`seedKey(seed)`). */
export interface PlanAnchor {
  originMs: number;
  seedKey: number;
}

/** A range of virtual time, [startMs, endMs). */
export interface PlanRange extends PlanAnchor {
  startMs: number;
  endMs: number;
}

interface Start {
  n: number;
  start: number;
}

const MINUTE = 60_000;

function* everyStarts(c: CascadeConfig, every: number, origin: number, from: number): Generator<Start> {
  const first = origin + (c.offset ?? every);
  let n = Math.max(0, Math.ceil((from - first) / every));
  for (;;) {
    yield { n, start: first + n * every };
    n++;
  }
}

function* atStarts(at: readonly number[], origin: number, from: number): Generator<Start> {
  const sorted = [...at].sort((a, b) => a - b);
  for (let n = 0; n < sorted.length; n++) {
    const start = origin + sorted[n]!;
    if (start >= from) yield { n, start };
  }
}

// Window n of a cron cascade is its n-th firing from the origin, so the ids stay stable whatever
// range is asked; the firings before `from` are counted (whole days at once), not walked.
function* cronStarts(cron: Cron, origin: number, from: number): Generator<Start> {
  const begin = Math.max(origin, from);
  let t = nextCronAt(cron, begin);
  for (let n = countCronFirings(cron, origin, begin); t !== undefined; n++) {
    if (t >= from) yield { n, start: t };
    t = nextCronAt(cron, t + MINUTE);
  }
}

function startsOf(c: CascadeConfig, origin: number, from: number): Generator<Start> {
  if (c.every !== undefined) return everyStarts(c, c.every, origin, from);
  if (c.at !== undefined) return atStarts(c.at, origin, from);
  return cronStarts(parseCron(c.cron ?? ""), origin, from);
}

/** The key of a cascade's draws: the same for every window of one name under one seed. */
export function cascadeKey(seedKey: number, name: string): number {
  return mix32(seedKey ^ hashName(name));
}

function makeWindow(
  c: CascadeConfig,
  n: number,
  start: number,
  duration: number,
  key: number,
  triggered: boolean,
) {
  const w: CascadeWindow = {
    cascade_id: `${c.name}-${triggered ? "t" : ""}${n}`,
    name: c.name,
    index: n,
    start,
    end: start + duration,
    ramp: Math.min(c.ramp, duration / 2),
    scope: c.scope,
    effects: c.effects,
    triggered,
    key,
    origin: null,
    hop: 0,
    service: null,
  };
  return w;
}

/**
 * Scheduled windows in order of start (ties: config order) with start >= fromMs, lazily: an endless
 * run asks for the next ones without materializing the rest.
 */
export function* windowsFrom(
  cascades: readonly CascadeConfig[],
  anchor: PlanAnchor,
  fromMs: number,
): Generator<CascadeWindow> {
  const heads = cascades.map((c) => {
    const it = startsOf(c, anchor.originMs, fromMs);
    return { c, it, next: it.next(), key: cascadeKey(anchor.seedKey, c.name) };
  });
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const h of heads) {
      if (h.next.done) continue;
      if (!best || h.next.value.start < (best.next.value as Start).start) best = h;
    }
    if (!best) return;
    const { n, start } = best.next.value as Start;
    yield makeWindow(best.c, n, start, best.c.duration, best.key, false);
    best.next = best.it.next();
  }
}

/** The scheduled windows whose start lies in [startMs, endMs), in order of start. Deterministic. */
export function planWindows(cascades: readonly CascadeConfig[], range: PlanRange): CascadeWindow[] {
  const out: CascadeWindow[] = [];
  for (const w of windowsFrom(cascades, range, range.startMs)) {
    if (w.start >= range.endMs) break;
    out.push(w);
  }
  return out;
}

/** The first scheduled window that starts at or after `t`, or undefined when the schedule has ended. */
export function nextWindowAfter(
  cascades: readonly CascadeConfig[],
  anchor: PlanAnchor,
  t: number,
): CascadeWindow | undefined {
  const r = windowsFrom(cascades, anchor, t).next();
  return r.done ? undefined : r.value;
}

/**
 * A window opened by hand (the control API) at `startMs`, the n-th triggered one of its cascade;
 * its length defaults to the cascade's duration and its ramp is at most half of it.
 */
export function triggeredWindow(
  c: CascadeConfig,
  seedKey: number,
  n: number,
  startMs: number,
  durationMs: number = c.duration,
): CascadeWindow {
  return makeWindow(c, n, startMs, durationMs, cascadeKey(seedKey, c.name), true);
}
