import { f1Of, ratio } from "./score-math.js";
import { DEFAULT_RANGE_OPTIONS, type RangeOptions, rangeScore } from "./score-range.js";

/** Point-wise precision, recall and F1 of per-call flags; null where a ratio is 0/0. */
export interface EventScore {
  /** Calls with a cascade_id (the anomalous ones). */
  anomalous: number;
  flagged: number;
  /** Flagged calls that are anomalous. */
  hits: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Scores one flag per call against one truth per call (same length, same order). */
export function eventScore(
  real: ArrayLike<boolean | number>,
  flagged: ArrayLike<boolean | number>,
): EventScore {
  if (real.length !== flagged.length) {
    throw new RangeError(`real and flagged differ in length (${real.length} vs ${flagged.length})`);
  }
  let anomalous = 0;
  let flags = 0;
  let hits = 0;
  for (let i = 0; i < real.length; i++) {
    const r = Boolean(real[i]);
    const f = Boolean(flagged[i]);
    if (r) anomalous++;
    if (f) flags++;
    if (r && f) hits++;
  }
  const precision = ratio(hits, flags);
  const recall = ratio(hits, anomalous);
  return { anomalous, flagged: flags, hits, precision, recall, f1: f1Of(precision, recall) };
}

/** What per-call flags scored against the events' own ground truth. */
export interface CallScore {
  events: number;
  event: EventScore;
  range: { precision: number | null; recall: number | null; f1: number | null };
  options: RangeOptions;
}

/** Event-level and range-based scores of per-call flags, calls in the order the ranges are read in. */
export function scoreCalls(
  real: ArrayLike<boolean | number>,
  flagged: ArrayLike<boolean | number>,
  options: RangeOptions = DEFAULT_RANGE_OPTIONS,
): CallScore {
  const range = rangeScore(real, flagged, options);
  return {
    events: real.length,
    event: eventScore(real, flagged),
    range: { ...range, f1: f1Of(range.precision, range.recall) },
    options,
  };
}
