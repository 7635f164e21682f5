import { EndpointText, SessionText } from "../event/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import type { Arrival, EngineSession, EventTaker } from "../sim/engine-session.js";
import { type ChosenCall, NO_RETRY, type Outcome, type RecordedResult } from "../sim/outcome.js";
import { type AleaState, aleaState } from "../sim/rng.js";
import { emitEvent } from "../sim/session.js";
import type { SessionCascadeRun } from "../sim/session-cascade.js";
import type { TimestampFormatter } from "../sim/timefmt.js";
import type { RecordedCall, RecordedSession } from "./types.js";

/** How a recording is laid on the clock: from `originMs`, its spacing divided by `scale`. */
export interface ReplayTiming {
  originMs: number;
  /** 10 plays ten times faster; 1 keeps the recorded spacing. */
  scale: number;
  /** Start over when the recording ends, until stopped; each pass gets fresh session ids (`@<pass>`). */
  loop: boolean;
}

/**
 * The endpoint a recorded call names, as an outcome source reads it: template, method and mean
 * latency (HTTP mode sizes Envoy delays from it). A recording has no rules: they stay neutral.
 */
export function recordedEndpoint(method: CompiledEndpoint["method"], template: string): CompiledEndpoint {
  return {
    template,
    method,
    isExit: false,
    cum: new Float64Array([1]),
    targets: new Int32Array([-1]),
    meanMs: 0,
    jitter: 0,
    errorRate: 0,
    errorStatuses: [500],
    pathParts: [template],
    pathParams: [],
    queryParams: [],
    text: new EndpointText(template, method),
  };
}

/** Where a recorded session sits on the clock, and what its ids carry. */
export interface RecordedPlacement {
  /** Virtual instant of the recording's time zero for this pass. */
  origin: number;
  scale: number;
  /** "" for the first pass, `@<pass>` for later ones (fresh ids when looping). */
  suffix: string;
  endpointOf(c: RecordedCall): CompiledEndpoint;
}

/**
 * A recorded session in the engine: instead of walking a chain it makes the recording's calls, each
 * due at its recorded offset (scaled), or when the previous response came back if that is later (a
 * user waits for a response). A cascade's retry repeats the call before the next recorded one. It is
 * the chosen call too (one call in flight at a time), and carries the call's recorded outcome.
 */
export class RecordedSessionRun implements EngineSession, ChosenCall {
  due: number;
  readonly order: number;
  cascade: SessionCascadeRun | null = null;
  readonly rng: AleaState;
  endpoint: CompiledEndpoint;
  path = "";
  params: Record<string, string | number> = {};
  /** A recorded call's path and params are as recorded: nothing drawn. */
  readonly draws = null;
  isRetry = false;
  steps = 0;
  callIndex = 0;
  retries = 0;
  retryOf: string | null = null;
  /** Index of the recorded call being made (a cascade's retry repeats it). */
  private i = 0;
  /** A retry a cascade asked for: the next call repeats the previous one. */
  private retrying = false;
  private st: SessionText | null = null;

  constructor(
    private readonly rec: RecordedSession,
    readonly arrival: Arrival,
    key: number,
    private readonly place: RecordedPlacement,
  ) {
    this.due = arrival.at;
    this.order = arrival.user * 65536 + arrival.session;
    this.rng = aleaState(key, arrival.user, arrival.session, 1);
    this.endpoint = place.endpointOf(rec.calls[0]!);
  }

  get session(): RecordedSessionRun {
    return this;
  }

  get workflowName(): string {
    return this.rec.workflow;
  }

  get userType(): string {
    return this.rec.userType;
  }

  get sessionId(): string {
    return this.rec.sessionId + this.place.suffix;
  }

  get userId(): string {
    return this.rec.userId + this.place.suffix;
  }

  /** The session's strings, made once: its events keep them (as a walk's do). */
  get text(): SessionText {
    this.st ??= new SessionText(this.workflowName, this.userId, this.userType, this.sessionId);
    return this.st;
  }

  /** The recorded call being made (a cascade's retry: the call it repeats). */
  get recorded(): RecordedResult {
    return this.rec.calls[this.i]!;
  }

  get done(): boolean {
    return this.i >= this.rec.calls.length;
  }

  lookAheadLength(): number {
    let n = 0;
    for (const c of this.rec.calls) if (!c.isRetry) n++;
    return Math.max(1, n);
  }

  nextCall(): ChosenCall {
    if (this.retrying) return this;
    const c = this.rec.calls[this.i]!;
    this.endpoint = this.place.endpointOf(c);
    this.path = c.path;
    this.params = c.params;
    this.isRetry = c.isRetry;
    if (!c.isRetry) this.retries = 0;
    return this;
  }

  complete(out: Outcome, fmt: TimestampFormatter, into: EventTaker): void {
    const at = this.due;
    emitEvent(into, this, this.callIndex++, out, fmt);
    const end = Number.isNaN(out.doneAt) ? at + out.latencyMs : out.doneAt;
    const retry = out.retryAfterMs !== NO_RETRY;
    this.retrying = retry;
    // A retry (a cascade's, or the recording's own next call) carries the id of the call it repeats.
    this.retryOf = out.cascadeId;
    if (retry) {
      this.retries++;
      this.isRetry = true;
      this.due = Math.round(end + out.retryAfterMs);
      return;
    }
    if (!this.rec.calls[this.i]!.isRetry) this.steps++;
    const next = this.rec.calls[++this.i];
    if (next !== undefined) {
      if (next.isRetry) this.retries++;
      const p = this.place;
      this.due = Math.round(Math.max(end, p.origin + next.at / p.scale));
    }
  }
}
