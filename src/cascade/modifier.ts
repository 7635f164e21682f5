import { Effect } from "../event/index.js";
import { hashUniform } from "../sim/rng.js";
import type { CascadeEffects, CascadeScope, CascadeWindow } from "./plan.js";

/** A call as the modifier sees it: where it goes, who makes it, and when (virtual epoch ms). */
export interface CascadeCall {
  workflow: string;
  user_type: string;
  endpoint: string;
  at: number;
  /** The user's index: a window's `share` is drawn per (window, user). */
  user: number;
}

/** The window that touches a call and its severity (0..1) at the call's instant. */
export interface Touch {
  window: CascadeWindow;
  severity: number;
}

/** A call's outcome before and after a window's effects. */
export interface Outcome {
  status: number;
  latencyMs: number;
}

/**
 * What the effects made of a call: `retry` asks the caller for a retry after `backoffMs`; `applied`
 * has the `Effect` bits of slow, timeout and unavailable when they changed it (the caller adds RETRY
 * if it does retry, which may depend on how many retries came before).
 */
export interface Effected extends Outcome {
  retry: boolean;
  backoffMs: number;
  applied: number;
}

const SHARE_STREAM = 0x5ca1e;

/** Turns `*` globs into one anchored regular expression; other characters match themselves. */
export function globToRegExp(globs: readonly string[]): RegExp {
  const alts = globs.map((g) =>
    g
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*"),
  );
  return new RegExp(`^(?:${alts.join("|")})$`);
}

interface CompiledScope {
  endpoints: RegExp | undefined;
  userTypes: ReadonlySet<string> | undefined;
  workflows: ReadonlySet<string> | undefined;
  share: number;
}

// Windows of one cascade share their scope object: compile it once, not per call.
const compiled = new WeakMap<CascadeScope, CompiledScope>();

function compile(s: CascadeScope): CompiledScope {
  let c = compiled.get(s);
  if (!c) {
    c = {
      endpoints: s.endpoints ? globToRegExp(s.endpoints) : undefined,
      userTypes: s.user_types ? new Set(s.user_types) : undefined,
      workflows: s.workflows ? new Set(s.workflows) : undefined,
      share: s.share,
    };
    compiled.set(s, c);
  }
  return c;
}

/** Whether a window's scope takes the call (endpoint glob, user type, workflow, and the user's share draw). */
export function inScope(w: CascadeWindow, call: CascadeCall): boolean {
  const s = compile(w.scope);
  if (s.workflows && !s.workflows.has(call.workflow)) return false;
  if (s.userTypes && !s.userTypes.has(call.user_type)) return false;
  if (s.endpoints && !s.endpoints.test(call.endpoint)) return false;
  if (s.share >= 1) return true;
  // Counter-based: the same (window, user) always draws the same, in any shard and at any speed.
  return hashUniform(w.key, w.index + (w.triggered ? 0x40000000 : 0), call.user, SHARE_STREAM) < s.share;
}

/** Severity of a window at instant `at`: a linear rise over the first `ramp`, 1, a fall over the last; 0 outside. */
export function severityAt(w: CascadeWindow, at: number): number {
  if (at < w.start || at >= w.end) return 0;
  if (w.ramp <= 0) return 1;
  return Math.min(1, (at - w.start) / w.ramp, (w.end - at) / w.ramp);
}

/**
 * The first window (by start) that is open at the call's instant and takes it in scope, with its
 * severity there; undefined when none does. `windows` must be sorted by start (as the plan gives them).
 */
export function touchedBy(windows: readonly CascadeWindow[], call: CascadeCall): Touch | undefined {
  for (const w of windows) {
    if (w.start > call.at) break;
    if (call.at >= w.end || !inScope(w, call)) continue;
    return { window: w, severity: severityAt(w, call.at) };
  }
  return undefined;
}

/**
 * Applies a window's effects at `severity` to a call's outcome, drawing exactly five uniforms from
 * `u` (slow, factor, timeout/unavailable, retry, backoff) so that the stream stays aligned whatever
 * happens. Each probability is multiplied by the severity; timeout and unavailable exclude each other.
 */
export function applyEffects(severity: number, e: CascadeEffects, u: () => number, base: Outcome): Effected {
  const uSlow = u();
  const uFactor = u();
  const uFail = u();
  const uRetry = u();
  const uBackoff = u();
  let latencyMs = base.latencyMs;
  let status = base.status;
  let applied = 0;
  if (uSlow < e.slow.probability * severity) {
    const [lo, hi] = e.slow.factor;
    latencyMs *= lo + (hi - lo) * uFactor;
    applied = Effect.SLOW;
  }
  const pTimeout = e.timeout.probability * severity;
  if (uFail < pTimeout) {
    status = e.timeout.status;
    latencyMs = e.timeout.after;
    // The timeout's latency replaces the slowed one: the call was not slow, it timed out.
    applied = Effect.TIMEOUT;
  } else if (uFail < pTimeout + e.unavailable.probability * severity) {
    status = e.unavailable.status;
    applied |= Effect.UNAVAILABLE;
  }
  const retry = e.retry.max > 0 && uRetry < e.retry.probability * severity;
  const [bLo, bHi] = e.retry.backoff;
  return { status, latencyMs, retry, backoffMs: retry ? bLo + (bHi - bLo) * uBackoff : 0, applied };
}
