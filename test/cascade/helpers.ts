import type { CascadeConfig } from "../../src/config/index.js";
import { cascadeSchema } from "../../src/config/index.js";

/** A validated cascade from the same input a config file gives (durations as strings). */
export function cascade(input: Record<string, unknown>): CascadeConfig {
  return cascadeSchema.parse(input);
}

/** The bound of |p̂ − p| for n Bernoulli(p) draws: four standard deviations. */
export function binomialBound(p: number, n: number): number {
  return 4 * Math.sqrt((p * (1 - p)) / n);
}
