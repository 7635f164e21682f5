import { ErrorCode, TwError } from "../../errors.js";
import { hashUniform, pickCumulative } from "../rng.js";
import type { WorkflowShare } from "./types.js";

/** `Arrival.session` of an open-model user stays below this, so `user * 65536 + session` is a unique order. */
export const MAX_SESSIONS_PER_USER = 65535;

/** Cumulative shares of the workflows (last entry 1); throws when no workflow has a positive weight. */
export function workflowCumulative(workflows: readonly WorkflowShare[]): Float64Array {
  const total = workflows.reduce((a, w) => a + Math.max(w.weight, 0), 0);
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new TwError(
      ErrorCode.CONFIG_INVALID,
      "load: expected at least one workflow with a positive weight",
    );
  }
  const cum = new Float64Array(workflows.length);
  let acc = 0;
  workflows.forEach((w, i) => {
    acc += Math.max(w.weight, 0);
    cum[i] = acc / total;
  });
  cum[cum.length - 1] = 1;
  return cum;
}

const WORKFLOW = 0;
const TYPE = 1;
const NORMAL_1 = 2;
const NORMAL_2 = 3;
const STAGGER = 4;

/**
 * The draws of one load model for one user, each a counter-based hash of (key, user[, session], tag):
 * a pure function of the user, so they are re-derived when needed instead of being stored per user.
 */
export class UserDraws {
  private readonly cum: Float64Array;

  constructor(
    private readonly key: number,
    private readonly tag: number,
    workflows: readonly WorkflowShare[],
  ) {
    this.cum = workflowCumulative(workflows);
  }

  /** The user's workflow index, picked by weight. */
  workflow(user: number): number {
    return pickCumulative(this.cum, hashUniform(this.key, user, WORKFLOW, this.tag));
  }

  /** The user's uniform in [0, 1) that picks their type. */
  typeU(user: number): number {
    return hashUniform(this.key, user, TYPE, this.tag);
  }

  /** The user's session count: max(1, round(normal(mean, std))), at most MAX_SESSIONS_PER_USER. */
  sessionCount(user: number, mean: number, std: number): number {
    const u1 = 1 - hashUniform(this.key, user, NORMAL_1, this.tag);
    const u2 = hashUniform(this.key, user, NORMAL_2, this.tag);
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.min(MAX_SESSIONS_PER_USER, Math.max(1, Math.round(mean + std * z)));
  }

  /** The user's offset in [0, 1) of a first start within one pause (so a population does not start at once). */
  stagger(user: number): number {
    return hashUniform(this.key, user, STAGGER, this.tag);
  }

  /** The factor in [0.5, 1.5) of the pause after the user's session `session`. */
  spread(user: number, session: number): number {
    return 0.5 + hashUniform(this.key, user, session, this.tag + 1);
  }
}
