import type { TraceEvent } from "../event/index.js";
import type { CompiledEndpoint, CompiledWorkflow } from "../sim/compile.js";
import type { LoadModel } from "../sim/load/types.js";
import type { GenerationOptions } from "../sim/options.js";
import { type CallOutcome, type ChosenCall, NO_RETRY, type Outcome } from "../sim/outcome.js";
import { type Arrival, Session } from "../sim/session.js";
import type { TimestampFormatter } from "../sim/timefmt.js";
import type { Recording } from "./shape.js";
import type { RecordedCall, RecordedSession } from "./types.js";

/** How a recording is laid on the clock: from `originMs`, its spacing divided by `scale`. */
export interface ReplayTiming {
  originMs: number;
  /** 10 plays ten times faster; 1 keeps the recorded spacing. */
  scale: number;
  /** Start over when the recording ends, until stopped; each pass gets fresh session ids (`@<pass>`). */
  loop: boolean;
}

/** One endpoint of the recording as the outcome stage sees it: its template and method (no rules). */
function endpointOf(method: CompiledEndpoint["method"], template: string): CompiledEndpoint {
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
  };
}

/** The workflow a recorded session stands in: its name and user type; the walk is the recording's. */
function workflowOf(name: string, userType: string, ep: CompiledEndpoint): CompiledWorkflow {
  return {
    name,
    endpoints: [ep],
    entryCum: new Float64Array([1]),
    entryTargets: new Int32Array([0]),
    userTypes: [userType],
    userTypeCum: new Float64Array([1]),
  };
}

/**
 * A recorded session in the engine: instead of walking a chain, it makes the recording's calls, each
 * due at its recorded offset (scaled), or when the previous response came back if that is later (a
 * user waits for a response). Events keep the recording's session, user and workflow, with a pass
 * suffix when looping.
 */
export class ReplaySession extends Session {
  private i = 0;

  constructor(
    readonly rec: RecordedSession,
    arrival: Arrival,
    key: number,
    seedTag: string,
    opts: GenerationOptions,
    private readonly endpoints: (c: RecordedCall) => CompiledEndpoint,
    /** Virtual instant of the recording's time zero for this pass. */
    private readonly origin: number,
    private readonly scale: number,
    private readonly suffix: string,
  ) {
    const ep = endpoints(rec.calls[0]!);
    super(workflowOf(rec.workflow, rec.userType, ep), arrival, key, seedTag, opts);
  }

  /** The recorded call being made. */
  get current(): RecordedCall {
    return this.rec.calls[this.i]!;
  }

  override get done(): boolean {
    return this.i >= this.rec.calls.length;
  }

  override get sessionId(): string {
    return this.rec.sessionId + this.suffix;
  }

  override get userId(): string {
    return this.rec.userId + this.suffix;
  }

  override nextCall(): ChosenCall {
    const c = this.current;
    this.endpoint = this.endpoints(c);
    this.path = c.path;
    this.params = c.params;
    this.isRetry = c.isRetry;
    return this;
  }

  override complete(out: Outcome, fmt: TimestampFormatter): TraceEvent {
    const at = this.due;
    const rt = out.latencyMs;
    // The stand-in workflow carries the recording's name and user type; the ids are overridden above.
    const event = this.eventOf(out, fmt);
    this.i++;
    const next = this.rec.calls[this.i];
    if (next !== undefined) {
      const end = Number.isNaN(out.doneAt) ? at + rt : out.doneAt;
      this.due = Math.round(Math.max(end, this.origin + next.at / this.scale));
    }
    return event;
  }
}

/** Replay into sinks only: each call goes as it was recorded (status, latency). */
export class RecordedOutcome implements CallOutcome {
  begin(): void {}

  complete(call: ChosenCall, out: Outcome): undefined {
    const c = (call.session as ReplaySession).current;
    out.status = c.status;
    out.latencyMs = c.latencyMs;
    out.retryAfterMs = NO_RETRY;
    out.cascadeId = null;
    out.sentAt = Number.NaN;
    out.doneAt = Number.NaN;
    out.error = undefined;
    return undefined;
  }

  label(): null {
    return null;
  }
}

/**
 * The recording as a load model: session i arrives at its first call's offset (scaled) from the
 * origin; with `loop`, pass p repeats them one recording's length (plus a second) later.
 */
export class ReplayArrivals implements LoadModel {
  private next = 0;
  private stop = Number.POSITIVE_INFINITY;
  private live = 0;
  private readonly period: number;

  constructor(
    private readonly recording: Recording,
    private readonly t: ReplayTiming,
  ) {
    this.period = (recording.endMs - recording.startMs) / t.scale + 1000;
  }

  /** Session `user` of the arrival: which recorded session, which pass. */
  sessionOf(user: number): { rec: RecordedSession; pass: number } {
    const n = this.recording.sessions.length;
    return { rec: this.recording.sessions[user % n]!, pass: Math.floor(user / n) };
  }

  originOf(pass: number): number {
    return this.t.originMs + pass * this.period;
  }

  private atOf(index: number): number {
    const { rec, pass } = this.sessionOf(index);
    return Math.round(this.originOf(pass) + rec.calls[0]!.at / this.t.scale);
  }

  peek(): number {
    if (!this.t.loop && this.next >= this.recording.sessions.length) return Number.POSITIVE_INFINITY;
    const at = this.atOf(this.next);
    return at >= this.stop ? Number.POSITIVE_INFINITY : at;
  }

  take(): Arrival {
    const user = this.next++;
    this.live++;
    return { user, session: 0, at: this.atOf(user), workflow: 0, typeU: 0 };
  }

  onSessionEnd(): void {
    this.live--;
  }

  stopAt(virtualMs: number): void {
    this.stop = Math.min(this.stop, virtualMs);
  }

  get activeUsers(): number {
    return this.live;
  }
}

/** What the daemon needs to run a recording instead of its load model and workflows. */
export interface ReplaySource {
  load: ReplayArrivals;
  makeSession(a: Arrival, key: number, seedTag: string, opts: GenerationOptions): Session;
  /** Completes calls when there is no target: as recorded. */
  outcome: CallOutcome;
  startMs: number;
  /** Starts over when the recording ends (the run then ends only when stopped). */
  loop: boolean;
}

/** A recording laid on the clock from `timing.originMs`, ready for the daemon's drive loop. */
export function replaySource(recording: Recording, timing: ReplayTiming): ReplaySource {
  const load = new ReplayArrivals(recording, timing);
  const endpoints = new Map<string, CompiledEndpoint>();
  const endpointFor = (c: RecordedCall) => {
    const k = `${c.method} ${c.endpoint}`;
    let ep = endpoints.get(k);
    if (ep === undefined) {
      ep = endpointOf(c.method, c.endpoint);
      endpoints.set(k, ep);
    }
    return ep;
  };
  return {
    load,
    outcome: new RecordedOutcome(),
    startMs: timing.originMs,
    loop: timing.loop,
    makeSession(a, key, seedTag, opts) {
      const { rec, pass } = load.sessionOf(a.user);
      return new ReplaySession(
        rec,
        a,
        key,
        seedTag,
        opts,
        endpointFor,
        load.originOf(pass),
        timing.scale,
        pass === 0 ? "" : `@${pass}`,
      );
    },
  };
}
