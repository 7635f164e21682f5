import type { CascadeLabel, HttpErrorKind } from "../event/index.js";
import type { CompiledEndpoint } from "./compile.js";
import type { EngineSession } from "./engine-session.js";
import type { GenerationOptions } from "./options.js";
import { type AleaState, aleaNext, aleaNormal, seedKey } from "./rng.js";
import { SessionCascadeModifier } from "./session-cascade.js";

/** How a recorded call went, as the recording says (replay): what the recorded outcome source emits. */
export interface RecordedResult {
  readonly status: number;
  readonly latencyMs: number;
  readonly isRetry: boolean;
  /** The recorded ground truth: the cascade that touched the call when it was recorded, or null. */
  readonly cascadeId: string | null;
}

/**
 * The call the walk chose: which endpoint, which concrete path and parameters, when. An outcome reads
 * it and never changes it, so whatever completes the call, the walk stays the same. It is the session
 * itself (a session has at most one call in flight), so choosing a call allocates nothing.
 */
export interface ChosenCall {
  readonly session: EngineSession;
  readonly endpoint: CompiledEndpoint;
  readonly path: string;
  readonly params: Readonly<Record<string, string | number>>;
  /** Virtual instant (ms) the call is sent. */
  readonly due: number;
  /** A retry of the session's previous call (same endpoint, path and params). */
  readonly isRetry: boolean;
  /** Steps of the walk taken before this call (retries not counted). */
  readonly steps: number;
  /** The call's index in its session (its event's `call_index`). */
  readonly callIndex: number;
  /** For a retry: how many retries of this call came before it, plus one; 0 for a first attempt. */
  readonly retries: number;
  /** For a retry: the `cascade_id` of the call it retries, which the retry carries; else null. */
  readonly retryOf: string | null;
  /**
   * The session's call stream. The rules draw from it after the call's path and params, in a fixed
   * order; modifiers never do (each draws from its own counter-based stream), so which of them run
   * never moves a later path.
   */
  readonly rng: AleaState;
  /** The recorded outcome of a replayed call; null for a walk's call. */
  readonly recorded: RecordedResult | null;
}

/** `Outcome.retryAfterMs` when the call is not retried. */
export const NO_RETRY = -1;

/** How a call went. The engine owns one and reuses it for every call: no allocation per call. */
export interface Outcome {
  status: number;
  /** Response time as the event records it (ms, already rounded). */
  latencyMs: number;
  /** Wait (ms) after the response before the call is retried; NO_RETRY when it is not. */
  retryAfterMs: number;
  /** Ground truth: the cascade that touched the call, or null. */
  cascadeId: string | null;
  /** Real send time (epoch ms) in HTTP mode, the event's timestamp; NaN: the call's virtual due. */
  sentAt: number;
  /** Virtual instant the response arrived in HTTP mode; NaN: due + latency. The session thinks from it. */
  doneAt: number;
  /** HTTP mode: null, or the kind of network failure (status 0). Undefined when simulated (Event v1). */
  error: HttpErrorKind | null | undefined;
  /**
   * What the modifier chain did to the call, as `Effect` bits (src/event/effects.ts); 0 when no
   * cascade drew effects for it. Set only by tracewalk's own cascades: in HTTP mode the network and
   * an injector outside tracewalk made the outcome, and nothing here says what they did.
   */
  effects: number;
}

/**
 * Sets `out` to a call completed at once (simulated, recorded, dry run): `status` and `latencyMs`,
 * no retry and no cascade yet, timed by its due instant (Event v1). What every synchronous source writes.
 */
export function completeAt(out: Outcome, status: number, latencyMs: number): undefined {
  out.status = status;
  out.latencyMs = latencyMs;
  out.retryAfterMs = NO_RETRY;
  out.cascadeId = null;
  out.sentAt = Number.NaN;
  out.doneAt = Number.NaN;
  out.error = undefined;
  out.effects = 0;
  return undefined;
}

/** A fresh outcome record, for a driver to reuse. */
export function newOutcome(): Outcome {
  return {
    status: 0,
    latencyMs: 0,
    retryAfterMs: NO_RETRY,
    cascadeId: null,
    sentAt: Number.NaN,
    doneAt: Number.NaN,
    error: undefined,
    effects: 0,
  };
}

/** What `CallOutcome.complete` returns for a call that was never made (an arrival that could not start). */
export const DROPPED = "dropped" as const;
/** What `CallOutcome.complete` returns for a call that completes later, through the settle callback. */
export const PENDING = "pending" as const;

/** How a provider completes a call later: once per PENDING call, with that call's own outcome record. */
export type Settle = (call: ChosenCall, out: Outcome) => void;

/**
 * Completes chosen calls: the step between the walk and the event. The engine is given one (default
 * `SimulatedOutcome`); cascades and, in HTTP mode, a target's real responses plug in here.
 */
export interface CallOutcome {
  /** A session starts (before its first call): per-session draws and state. */
  begin(s: EngineSession): void;
  /**
   * Decides how `call` went: synchronously, writing every field of `out` (returns undefined); later,
   * returning PENDING and calling the settle callback (`attach`) once with the call's own outcome
   * record (HTTP mode: the session waits out of the schedule meanwhile); or not at all, returning
   * DROPPED (the session ends).
   */
  complete(call: ChosenCall, out: Outcome): undefined | typeof PENDING | typeof DROPPED;
  /** Given, once, the callback through which PENDING calls are completed (providers that use it). */
  attach?(settle: Settle): void;
  /** The ground-truth label the session leaves when it ends or is cut, if any. */
  label(s: EngineSession): CascadeLabel | null;
}

/**
 * Changes a simulated outcome after the rules drew it (a cascade). It may set every field of `out`;
 * the rules leave `retryAfterMs` at NO_RETRY and `cascadeId` null, with latency not yet rounded.
 */
export interface OutcomeModifier {
  begin(s: EngineSession): void;
  apply(call: ChosenCall, out: Outcome): void;
  label(s: EngineSession): CascadeLabel | null;
}

/**
 * An outcome source wrapped in the modifier chain (per-session cascade, then windows): the source
 * decides how a call went, then each modifier in order may change it (a call keeps the first cascade
 * that touched it). Calls the source completes later (PENDING) or drops are left as they are.
 */
export class ModifiedOutcome implements CallOutcome {
  constructor(
    private readonly inner: CallOutcome,
    private readonly modifiers: readonly OutcomeModifier[],
    /** The source leaves latency unrounded (the rules): round it, as events carry it, after the chain. */
    private readonly roundLatency = false,
  ) {}

  begin(s: EngineSession): void {
    this.inner.begin(s);
    for (let i = 0; i < this.modifiers.length; i++) this.modifiers[i]!.begin(s);
  }

  complete(call: ChosenCall, out: Outcome): undefined | typeof PENDING | typeof DROPPED {
    const r = this.inner.complete(call, out);
    if (r !== undefined) return r;
    for (let i = 0; i < this.modifiers.length; i++) this.modifiers[i]!.apply(call, out);
    if (this.roundLatency) out.latencyMs = Math.round(out.latencyMs * 10) / 10;
    return undefined;
  }

  attach(settle: Settle): void {
    this.inner.attach?.(settle);
  }

  label(s: EngineSession): CascadeLabel | null {
    for (let i = 0; i < this.modifiers.length; i++) {
      const label = this.modifiers[i]!.label(s);
      if (label !== null) return label;
    }
    return this.inner.label(s);
  }
}

/** The workflow's rules: error rate and statuses, mean latency with jitter (unrounded), from the call stream. */
export class RulesOutcome implements CallOutcome {
  begin(): void {}

  complete(call: ChosenCall, out: Outcome): undefined {
    const ep = call.endpoint;
    const a = call.rng;
    const status =
      aleaNext(a) < ep.errorRate ? ep.errorStatuses[Math.floor(aleaNext(a) * ep.errorStatuses.length)]! : 200;
    return completeAt(out, status, Math.max(1, ep.meanMs * (1 + ep.jitter * aleaNormal(a))));
  }

  label(): null {
    return null;
  }
}

/**
 * The simulated outcome: the rules, then its modifiers in order (default: the per-session cascade of
 * `generation.cascade_rate`).
 */
export class SimulatedOutcome extends ModifiedOutcome {
  constructor(opts: GenerationOptions, modifiers?: readonly OutcomeModifier[]) {
    super(
      new RulesOutcome(),
      modifiers ?? [new SessionCascadeModifier(opts.cascade, seedKey(opts.seed))],
      true,
    );
  }
}
