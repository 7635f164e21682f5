import { DEFAULT_MAX_LENGTH, DEFAULT_SEED } from "../config/defaults.js";

/** Think time between calls: uniform in [min, max], sometimes a longer pause in [longMin, longMax]. */
export interface ThinkTime {
  minMs: number;
  maxMs: number;
  longProbability: number;
  longMinMs: number;
  longMaxMs: number;
}

/** The per-session cascade of the seed guide: what happens to the calls it touches. */
export interface SessionCascade {
  /** Fraction of sessions that get a cascade. */
  rate: number;
  slowProbability: number;
  slowFactorMin: number;
  slowFactorMax: number;
  timeoutProbability: number;
  timeoutMs: number;
  failProbability: number;
  retryProbability: number;
  retryBackoffMinMs: number;
  retryBackoffMaxMs: number;
}

export interface GenerationOptions {
  seed: number | string;
  maxLength: number;
  thinkTime: ThinkTime;
  cascade: SessionCascade;
}

export const DEFAULT_THINK_TIME: ThinkTime = {
  minMs: 1000,
  maxMs: 5000,
  longProbability: 0.1,
  longMinMs: 10_000,
  longMaxMs: 30_000,
};

export const DEFAULT_SESSION_CASCADE: SessionCascade = {
  rate: 0,
  slowProbability: 0.6,
  slowFactorMin: 3,
  slowFactorMax: 10,
  timeoutProbability: 0.2,
  timeoutMs: 30_000,
  failProbability: 0.15,
  retryProbability: 0.3,
  retryBackoffMinMs: 100,
  retryBackoffMaxMs: 2000,
};

/** Fills every option not given with its documented default. */
export function generationOptions(partial: Partial<GenerationOptions> = {}): GenerationOptions {
  return {
    seed: partial.seed ?? DEFAULT_SEED,
    maxLength: partial.maxLength ?? DEFAULT_MAX_LENGTH,
    thinkTime: { ...DEFAULT_THINK_TIME, ...partial.thinkTime },
    cascade: { ...DEFAULT_SESSION_CASCADE, ...partial.cascade },
  };
}
