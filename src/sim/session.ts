import type { CascadeLabel, TraceEvent } from "../event/index.js";
import type { HttpMethod } from "../workflow/types.js";
import type { CompiledEndpoint, CompiledParam, CompiledWorkflow } from "./compile.js";
import { END_INDEX } from "./compile.js";
import type { Scheduled } from "./heap.js";
import type { GenerationOptions } from "./options.js";
import { type AleaState, aleaNext, aleaState, pickCumulative } from "./rng.js";
import type { TimestampFormatter } from "./timefmt.js";

/** A session about to start: who, which of their sessions, when, and with which workflow. */
export interface Arrival {
  user: number;
  session: number;
  at: number;
  workflow: number;
  /** Uniform in [0, 1) that picks the user's type from the workflow's distribution. */
  typeU: number;
  /** The user's last session (by start), when the arrival source knows: its end counts the user done. */
  last?: boolean;
}

const EMPTY_PARAMS: Record<string, string | number> = Object.freeze({}) as Record<string, string | number>;

/** An integer uniformly in [min, max]. */
function intBetween(a: AleaState, min: number, max: number): number {
  return min + Math.floor(aleaNext(a) * (max - min + 1));
}

/** A standard normal draw (Box–Muller). */
function normal(a: AleaState): number {
  const u = 1 - aleaNext(a);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * aleaNext(a));
}

function drawParam(p: CompiledParam, a: AleaState): string | number {
  if (p.choices !== null) return p.choices[Math.floor(aleaNext(a) * p.choices.length)]!;
  return intBetween(a, p.min, p.max);
}

function drawPath(ep: CompiledEndpoint, a: AleaState): string {
  const parts = ep.pathParts;
  if (parts.length === 1) return parts[0]!;
  let out = parts[0]!;
  for (let i = 0; i < ep.pathParams.length; i++) {
    out += encodeURIComponent(String(drawParam(ep.pathParams[i]!, a))) + parts[i + 1]!;
  }
  return out;
}

function drawQuery(ep: CompiledEndpoint, a: AleaState): Record<string, string | number> {
  const qp = ep.queryParams;
  if (qp.length === 0) return EMPTY_PARAMS;
  const out: Record<string, string | number> = {};
  for (let i = 0; i < qp.length; i++) out[qp[i]!.name] = drawParam(qp[i]!, a);
  return out;
}

/**
 * A session in flight: the scheduler's queue entry and the walker's state in one small object.
 * It draws from two seedrandom Alea streams kept as plain state (no closures): one walks the chain, one
 * draws each call's details. Separate streams let a cascaded session look ahead to its length
 * without storing its path, so an idle session costs a few hundred bytes.
 */
export class Session implements Scheduled {
  due: number;
  readonly order: number;
  readonly userType: string;
  /** Index of the endpoint of the next call; END_INDEX once the walk is over. */
  private at: number;
  private steps = 0;
  private callIndex = 0;
  private readonly cascadeFrom: number;
  private readonly cascaded: boolean;
  private retryOf: TraceEvent | null = null;
  private retryEp: CompiledEndpoint | null = null;
  private cascadeStart = Number.NaN;
  private cascadeEnd = Number.NaN;
  private readonly call: AleaState;
  private readonly walk: AleaState;

  constructor(
    readonly wf: CompiledWorkflow,
    readonly arrival: Arrival,
    key: number,
    private readonly seedTag: string,
    private readonly opts: GenerationOptions,
  ) {
    this.due = arrival.at;
    this.order = arrival.user * 65536 + arrival.session;
    this.userType = wf.userTypes[pickCumulative(wf.userTypeCum, arrival.typeU)]!;
    this.call = aleaState(key, arrival.user, arrival.session, 1);
    this.walk = aleaState(key, arrival.user, arrival.session, 4);
    this.at = wf.entryTargets[pickCumulative(wf.entryCum, aleaNext(this.walk))]!;
    // Drawn even at rate 0, so switching cascades on changes only the sessions they touch.
    this.cascaded = aleaNext(this.call) < opts.cascade.rate;
    this.cascadeFrom = this.cascaded ? this.lookAheadLength() >> 1 : Number.POSITIVE_INFINITY;
  }

  get userId(): string {
    return `user-${this.arrival.user}`;
  }

  get sessionId(): string {
    return `${this.seedTag}-${this.arrival.user}-${this.arrival.session}`;
  }

  get cascadeId(): string | null {
    return this.cascaded ? `cascade-${this.sessionId}` : null;
  }

  /** True once every call (and retry) has been emitted. */
  get done(): boolean {
    return this.at === END_INDEX && this.retryOf === null;
  }

  /** The next endpoint after `from` (END_INDEX at an exit, `$end` or the length cap), drawn from `walk`. */
  private step(from: number, steps: number, walk: AleaState): number {
    const ep = this.wf.endpoints[from]!;
    if (ep.isExit || steps >= this.opts.maxLength) return END_INDEX;
    return ep.targets[pickCumulative(ep.cum, aleaNext(walk))]!;
  }

  /** How many calls the walk will make, found on a copy of the walk stream. */
  private lookAheadLength(): number {
    const walk = { ...this.walk };
    let n = 1;
    for (let at = this.step(this.at, n, walk); at !== END_INDEX; at = this.step(at, n, walk)) n++;
    return n;
  }

  /** Emits the call due now and moves `due` to the next one. */
  fire(fmt: TimestampFormatter): TraceEvent {
    const a = this.call;
    const at = this.due;
    const original = this.retryOf;
    const touched = original !== null || this.steps >= this.cascadeFrom;
    const ep = this.retryEp ?? this.wf.endpoints[this.at]!;
    const path = original ? original.path : drawPath(ep, a);
    const params = original ? original.params : drawQuery(ep, a);
    let status =
      aleaNext(a) < ep.errorRate ? ep.errorStatuses[Math.floor(aleaNext(a) * ep.errorStatuses.length)]! : 200;
    let rt = Math.max(1, ep.meanMs * (1 + ep.jitter * normal(a)));
    let retry = false;
    if (touched) [status, rt, retry] = this.cascadeEffects(status, rt, original === null);
    rt = Math.round(rt * 10) / 10;
    const event = this.event(
      fmt.format(at),
      ep.template,
      path,
      ep.method,
      params,
      status,
      rt,
      original !== null,
    );
    if (original === null) this.at = this.step(this.at, ++this.steps, this.walk);
    this.retryOf = retry ? event : null;
    this.retryEp = retry ? ep : null;
    const c = this.opts.cascade;
    const wait = retry ? intBetween(a, c.retryBackoffMinMs, c.retryBackoffMaxMs) : this.thinkMs();
    this.due = Math.round(at + rt + wait);
    if (touched) this.markCascade(at, at + rt);
    return event;
  }

  private event(
    timestamp: string,
    endpoint: string,
    path: string,
    method: HttpMethod,
    params: Record<string, string | number>,
    status: number,
    rt: number,
    isRetry: boolean,
  ): TraceEvent {
    const callIndex = this.callIndex++;
    const sessionId = this.sessionId;
    return {
      event_id: `${sessionId}-${callIndex}`,
      timestamp,
      workflow: this.wf.name,
      user_id: this.userId,
      user_type: this.userType,
      session_id: sessionId,
      call_index: callIndex,
      endpoint,
      path,
      method,
      params,
      status_code: status,
      response_time_ms: rt,
      is_retry: isRetry,
      cascade_id:
        this.cascaded && (isRetry || this.steps >= this.cascadeFrom) ? `cascade-${sessionId}` : null,
    };
  }

  private cascadeEffects(status: number, rt: number, mayRetry: boolean): [number, number, boolean] {
    const c = this.opts.cascade;
    const a = this.call;
    if (aleaNext(a) < c.slowProbability)
      rt *= c.slowFactorMin + aleaNext(a) * (c.slowFactorMax - c.slowFactorMin);
    const outcome = aleaNext(a);
    if (outcome < c.timeoutProbability) {
      status = 504;
      rt = c.timeoutMs;
    } else if (outcome < c.timeoutProbability + c.failProbability) {
      status = 503;
    }
    const retry = mayRetry && aleaNext(a) < c.retryProbability;
    return [status, rt, retry];
  }

  private thinkMs(): number {
    const t = this.opts.thinkTime;
    const a = this.call;
    if (aleaNext(a) < t.longProbability) return intBetween(a, t.longMinMs, t.longMaxMs);
    return intBetween(a, t.minMs, t.maxMs);
  }

  private markCascade(start: number, end: number): void {
    if (Number.isNaN(this.cascadeStart)) this.cascadeStart = start;
    if (!(end <= this.cascadeEnd)) this.cascadeEnd = end;
  }

  /** The ground-truth record of this session's cascade, once the session is done. */
  label(): CascadeLabel | null {
    if (!this.cascaded || Number.isNaN(this.cascadeStart)) return null;
    const c = this.opts.cascade;
    return {
      cascade_id: `cascade-${this.sessionId}`,
      name: "session-cascade",
      start: new Date(this.cascadeStart).toISOString(),
      end: new Date(Math.round(this.cascadeEnd)).toISOString(),
      scope: { session_id: this.sessionId, user_id: this.userId, from_call: this.cascadeFrom },
      effects: {
        slow_probability: c.slowProbability,
        slow_factor: [c.slowFactorMin, c.slowFactorMax],
        timeout_probability: c.timeoutProbability,
        timeout_ms: c.timeoutMs,
        fail_probability: c.failProbability,
        fail_status: 503,
        retry_probability: c.retryProbability,
      },
    };
  }
}
