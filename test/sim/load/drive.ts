import type { LoadModel } from "../../../src/sim/load/index.js";
import type { Arrival } from "../../../src/sim/session.js";

export interface Driven {
  arrivals: Arrival[];
  /** Most sessions in flight at once. */
  maxInFlight: number;
  /** Sessions still in flight when the drive stopped. */
  inFlight: Arrival[];
}

/**
 * Runs a load model in virtual time without the engine: every session lasts `lenMs` and ends with
 * onSessionEnd({arrival, due: at + lenMs}); an end at the same instant as an arrival goes first.
 * `carried` are sessions still in flight from an earlier drive, to resume it.
 */
export function drive(
  load: LoadModel,
  lenMs: number,
  untilMs: number,
  carried: readonly Arrival[] = [],
  limit = 5_000_000,
): Driven {
  const arrivals: Arrival[] = [];
  // With one session length, ends come in start order: a FIFO queue is the heap.
  const flight: Arrival[] = [...carried];
  let head = 0;
  let maxInFlight = 0;
  while (arrivals.length < limit) {
    const nextEnd = head < flight.length ? flight[head]!.at + lenMs : Number.POSITIVE_INFINITY;
    const nextArrival = load.peek();
    const next = Math.min(nextEnd, nextArrival);
    if (next > untilMs || next === Number.POSITIVE_INFINITY) break;
    if (nextEnd <= nextArrival) {
      const a = flight[head++]!;
      load.onSessionEnd({ arrival: a, due: a.at + lenMs });
      continue;
    }
    const a = load.take();
    arrivals.push(a);
    flight.push(a);
    maxInFlight = Math.max(maxInFlight, flight.length - head);
  }
  return { arrivals, maxInFlight, inFlight: flight.slice(head) };
}

/** Takes every arrival before `untilMs` without ending any session (first sessions only, for open models). */
export function takeUntil(load: LoadModel, untilMs: number): Arrival[] {
  const out: Arrival[] = [];
  while (load.peek() < untilMs) out.push(load.take());
  return out;
}

/** A bound on |N - E[N]| for a Poisson count with mean `mean`: `z` standard deviations. */
export function poissonBound(mean: number, z = 5): number {
  return z * Math.sqrt(mean);
}

/** Arrivals as comparable tuples, sorted by (at, user, session). */
export function tuples(arrivals: readonly Arrival[]): string[] {
  return [...arrivals]
    .sort((a, b) => a.at - b.at || a.user - b.user || a.session - b.session)
    .map((a) => `${a.at}/${a.user}/${a.session}/${a.workflow}/${a.typeU}`);
}
