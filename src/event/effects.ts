import type { TraceEvent } from "./index.js";

/**
 * What tracewalk's own outcome chain did to a call, as bits: which cascade effects changed it, and
 * which kind of cascade drew them. It travels with an event only in the process that made it, under
 * a symbol key and non-enumerable, so that no serializer (they write fields by name), no JSON, no
 * spread and no structured clone sees it: Event v1/v2 bytes stay what they are.
 */
export const Effect = {
  SLOW: 1,
  TIMEOUT: 2,
  UNAVAILABLE: 4,
  RETRY: 8,
  /** A cascade drew its effects for the call (it may have applied none of them). */
  DRAWN: 16,
  /** The cascade that drew them is the per-session one (`generation.cascade_rate`), not a window. */
  SESSION: 32,
} as const;

/** The key of an event's effect bits (set only on the calls a cascade drew effects for). */
export const CALL_EFFECTS: unique symbol = Symbol("tracewalk.call_effects");

/** Effect names in the order spans list them, with their bits. */
const NAMES: readonly (readonly [string, number])[] = [
  ["slow", Effect.SLOW],
  ["timeout", Effect.TIMEOUT],
  ["unavailable", Effect.UNAVAILABLE],
  ["retry", Effect.RETRY],
];

/** Attaches effect bits to an event (nothing when no cascade drew any: 0). */
export function markEffects(e: TraceEvent, bits: number): void {
  if (bits === 0) return;
  Object.defineProperty(e, CALL_EFFECTS, { value: bits, enumerable: false });
}

/** The event's effect bits: 0 when tracewalk's chain drew no effect for it (or it came from elsewhere). */
export function effectsOf(e: TraceEvent): number {
  // Not a field of the TraceEvent type: the contract (and its JSON Schema) stays Event v1/v2.
  return ((e as unknown as Record<symbol, number | undefined>)[CALL_EFFECTS] ?? 0) as number;
}

/** The names of the effects the bits say were applied (`slow`, `timeout`, `unavailable`, `retry`). */
export function effectNames(bits: number): string[] {
  const out: string[] = [];
  for (const [name, bit] of NAMES) if ((bits & bit) !== 0) out.push(name);
  return out;
}
