import type { LabelEffects } from "../../src/event/index.js";

/** Effects of a label record in the one label schema (a window's defaults, slowed 3x). */
export const EFFECTS: LabelEffects = {
  slow: { probability: 1, factor: [3, 3] },
  timeout: { probability: 0, after: 30_000, status: 504 },
  unavailable: { probability: 0, status: 503 },
  retry: { probability: 0, backoff: [100, 1000], max: 0 },
};
