import type { CascadeWindow } from "../../cascade/plan.js";
import { effectsFor } from "../../cascade/window-modifier.js";
import type { ChosenCall } from "../../sim/outcome.js";
import type { CallPlan, InjectEntry, Injector } from "./types.js";

/**
 * What a client can truly do to its own calls: a retry storm (a touched call is re-sent after the
 * drawn backoff, up to `retry.max` times, each re-send a real request) and client timeouts (the
 * request is aborted at `timeout.after` and recorded as `error: timeout`, status 0). It cannot make
 * the server slow or refuse, so `slow` and `unavailable` are not its to do.
 */
export class ClientInjector implements Injector {
  readonly kind = "client";
  readonly reachesAll = false;
  readonly synchronous = true;

  open(w: CascadeWindow, now: () => number): InjectEntry {
    const effects: string[] = [];
    if (w.effects.retry.probability > 0 && w.effects.retry.max > 0) effects.push("retry");
    if (w.effects.timeout.probability > 0) effects.push("timeout");
    return { by: "client", at: new Date(Math.max(w.start, now())).toISOString(), ok: true, effects };
  }

  touch(w: CascadeWindow, call: ChosenCall, plan: CallPlan): void {
    // Drawn as the simulated outcome draws them (same counter-based uniforms): the same calls time
    // out and retry as in an emitted run of the same seed.
    const e = effectsFor(w, call, { status: 200, latencyMs: call.endpoint.meanMs });
    if (e.status === w.effects.timeout.status && e.latencyMs === w.effects.timeout.after) {
      plan.timeoutMs = w.effects.timeout.after;
    }
    if (e.retry && call.retries < w.effects.retry.max) plan.retryAfterMs = Math.round(e.backoffMs);
  }
}
