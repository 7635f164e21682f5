import { Effect } from "../event/index.js";
import type { ChosenCall, Outcome, OutcomeModifier } from "../sim/outcome.js";
import { hashUniform, mix32 } from "../sim/rng.js";
import { applyEffects, type CascadeCall, inScope, severityAt } from "./modifier.js";
import type { CascadeWindow } from "./plan.js";

/** The draws of one touched call, after the `share` draws (see modifier.ts) in counter space. */
const EFFECT_STREAM = 16;

/**
 * The scheduled (and triggered) cascade windows as an outcome modifier: a call in scope inside an
 * open window is touched, carrying the window's id, and the window's effects apply at its severity
 * there. Draws are counter-based (window key, user, session, call index), never from the session's
 * streams: adding a cascade changes the outcomes of the calls it touches and nothing else — not a
 * path, not a later call of the session, not another shard.
 *
 * A retry carries the id of the call it retries; it is touched again while that window is open (up
 * to `retry.max` retries of one call), and keeps its own outcome once the window has closed.
 */
export class WindowModifier implements OutcomeModifier {
  private readonly call: CascadeCall = scratchCall();

  /** `open` is the timeline's list of open windows (by start), read at each call. */
  constructor(private readonly open: readonly CascadeWindow[]) {}

  begin(): void {}

  label(): null {
    return null;
  }

  apply(chosen: ChosenCall, out: Outcome): void {
    // A call another cascade kind already touched (the per-session cascade) stays its.
    if (out.cascadeId !== null) return;
    const w = chosen.isRetry ? this.retried(chosen) : this.touching(chosen);
    if (w === undefined) {
      if (chosen.isRetry && chosen.retryOf !== null) out.cascadeId = chosen.retryOf;
      return;
    }
    const e = effectsFor(w, chosen, out);
    out.status = e.status;
    out.latencyMs = e.latencyMs;
    let applied = e.applied | Effect.DRAWN;
    if (e.retry && chosen.retries < w.effects.retry.max) {
      out.retryAfterMs = Math.round(e.backoffMs);
      applied |= Effect.RETRY;
    }
    out.effects = applied;
    out.cascadeId = w.cascade_id;
  }

  /** The open window a retry's original call was touched by, if it is still open. */
  private retried(chosen: ChosenCall): CascadeWindow | undefined {
    if (chosen.retryOf === null) return undefined;
    for (let i = 0; i < this.open.length; i++) {
      if (this.open[i]!.cascade_id === chosen.retryOf) return this.open[i];
    }
    return undefined;
  }

  private touching(chosen: ChosenCall): CascadeWindow | undefined {
    return touchingWindow(this.open, chosen, this.call);
  }
}

/** A scratch record for `touchingWindow`, reused across calls. */
export function scratchCall(): CascadeCall {
  return { workflow: "", user_type: "", endpoint: "", at: 0, user: 0 };
}

/** The first open window (by start) whose scope takes the call; `scratch` is filled and reused. */
export function touchingWindow(
  open: readonly CascadeWindow[],
  chosen: ChosenCall,
  scratch: CascadeCall,
): CascadeWindow | undefined {
  if (open.length === 0) return undefined;
  const s = chosen.session;
  scratch.workflow = s.workflowName;
  scratch.user_type = s.userType;
  scratch.endpoint = chosen.endpoint.template;
  scratch.at = chosen.due;
  scratch.user = s.arrival.user;
  for (let i = 0; i < open.length; i++) {
    if (inScope(open[i]!, scratch)) return open[i];
  }
  return undefined;
}

/**
 * The window's effects for a touched call, drawn as the simulated outcome draws them (the same
 * counter-based uniforms), from `base`: what HTTP mode asks a fault-injecting proxy to do.
 */
export function effectsFor(
  w: CascadeWindow,
  chosen: ChosenCall,
  base: { status: number; latencyMs: number },
) {
  const s = chosen.session;
  const key = mix32(w.key ^ mix32(s.arrival.user + 0x632be5ab));
  let j = EFFECT_STREAM;
  return applyEffects(
    severityAt(w, chosen.due),
    w.effects,
    () => hashUniform(key, s.arrival.session, chosen.callIndex, j++),
    base,
  );
}
