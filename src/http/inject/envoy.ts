import type { CascadeWindow } from "../../cascade/plan.js";
import { effectsFor } from "../../cascade/window-modifier.js";
import type { ChosenCall } from "../../sim/outcome.js";
import type { CallPlan, InjectEntry, Injector } from "./types.js";

/**
 * Envoy's fault injection: a touched call carries x-envoy-fault-delay-request (ms) and
 * x-envoy-fault-abort-request (status) as the window's effects draw them for it, so an Envoy in
 * front of the target (with the HTTP fault filter and header faults allowed) really delays or aborts it.
 */
export class EnvoyInjector implements Injector {
  readonly kind = "envoy";
  readonly reachesAll = false;
  readonly synchronous = true;

  open(w: CascadeWindow, now: () => number): InjectEntry {
    return {
      by: "envoy",
      at: new Date(Math.max(w.start, now())).toISOString(),
      ok: true,
      headers: ["x-envoy-fault-delay-request", "x-envoy-fault-abort-request"],
    };
  }

  touch(w: CascadeWindow, call: ChosenCall, plan: CallPlan): void {
    const base = call.endpoint.meanMs;
    const e = effectsFor(w, call, { status: 200, latencyMs: base });
    const h = plan.headers;
    if (e.status === w.effects.timeout.status && e.latencyMs === w.effects.timeout.after) {
      h["x-envoy-fault-delay-request"] = String(Math.round(w.effects.timeout.after));
      h["x-envoy-fault-abort-request"] = String(e.status);
      return;
    }
    if (e.latencyMs > base) h["x-envoy-fault-delay-request"] = String(Math.round(e.latencyMs - base));
    if (e.status !== 200) h["x-envoy-fault-abort-request"] = String(e.status);
  }
}
