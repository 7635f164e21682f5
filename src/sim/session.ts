import type { HttpMethod } from "../workflow/types.js";
import type { CompiledEndpoint, CompiledParam, CompiledWorkflow } from "./compile.js";
import { END_INDEX } from "./compile.js";
import type { CascadeLabel, TraceEvent } from "./event.js";
import type { Scheduled } from "./heap.js";
import type { GenerationOptions } from "./options.js";
import { intBetween, normal, pickCumulative, type Rng, sessionRng } from "./rng.js";
import type { TimestampFormatter } from "./timefmt.js";

/** A session about to start: who, which of their sessions, when, and with which workflow. */
export interface Arrival {
  user: number;
  session: number;
  at: number;
  workflow: number;
  /** Uniform in [0, 1) that picks the user's type from the workflow's distribution. */
  typeU: number;
}

const EMPTY_PARAMS: Record<string, string | number> = Object.freeze({}) as Record<string, string | number>;

/** Walks the chain from an entry point until an exit, `$end` or `maxLength` calls. */
export function walkPath(wf: CompiledWorkflow, rng: Rng, maxLength: number): number[] {
  const path: number[] = [];
  let at = wf.entryTargets[pickCumulative(wf.entryCum, rng())]!;
  for (;;) {
    path.push(at);
    const ep = wf.endpoints[at]!;
    if (ep.isExit || path.length >= maxLength) return path;
    const next = ep.targets[pickCumulative(ep.cum, rng())]!;
    if (next === END_INDEX) return path;
    at = next;
  }
}

function drawParam(p: CompiledParam, rng: Rng): string | number {
  if (p.choices !== null) return p.choices[Math.floor(rng() * p.choices.length)]!;
  return intBetween(rng, p.min, p.max);
}

function drawPath(ep: CompiledEndpoint, rng: Rng): string {
  const parts = ep.pathParts;
  if (parts.length === 1) return parts[0]!;
  let out = parts[0]!;
  for (let i = 0; i < ep.pathParams.length; i++) {
    out += encodeURIComponent(String(drawParam(ep.pathParams[i]!, rng))) + parts[i + 1]!;
  }
  return out;
}

function drawQuery(ep: CompiledEndpoint, rng: Rng): Record<string, string | number> {
  const qp = ep.queryParams;
  if (qp.length === 0) return EMPTY_PARAMS;
  const out: Record<string, string | number> = {};
  for (let i = 0; i < qp.length; i++) out[qp[i]!.name] = drawParam(qp[i]!, rng);
  return out;
}

/** A session in flight: the scheduler's queue entry and the walker's state in one small object. */
export class Session implements Scheduled {
  due: number;
  readonly order: number;
  readonly userId: string;
  readonly userType: string;
  readonly sessionId: string;
  private readonly rng: Rng;
  private readonly path: number[];
  private pos = 0;
  private callIndex = 0;
  private readonly cascadeFrom: number;
  readonly cascadeId: string | null;
  private retryOf: TraceEvent | null = null;
  private retryEp: CompiledEndpoint | null = null;
  private cascadeStart = Number.NaN;
  private cascadeEnd = Number.NaN;

  constructor(
    readonly wf: CompiledWorkflow,
    readonly arrival: Arrival,
    key: number,
    seedTag: string,
    private readonly opts: GenerationOptions,
  ) {
    this.due = arrival.at;
    this.order = arrival.user * 65536 + arrival.session;
    this.userId = `user-${arrival.user}`;
    this.userType = wf.userTypes[pickCumulative(wf.userTypeCum, arrival.typeU)]!;
    this.sessionId = `${seedTag}-${arrival.user}-${arrival.session}`;
    this.rng = sessionRng(key, arrival.user, arrival.session);
    this.path = walkPath(wf, this.rng, opts.maxLength);
    // Drawn even at rate 0, so switching cascades on changes only the sessions they touch.
    const cascaded = this.rng() < opts.cascade.rate;
    this.cascadeFrom = cascaded ? this.path.length >> 1 : Number.POSITIVE_INFINITY;
    this.cascadeId = cascaded ? `cascade-${this.sessionId}` : null;
  }

  /** True once every call (and retry) has been emitted. */
  get done(): boolean {
    return this.pos >= this.path.length && this.retryOf === null;
  }

  /** Emits the call due now and moves `due` to the next one. */
  fire(fmt: TimestampFormatter): TraceEvent {
    const rng = this.rng;
    const at = this.due;
    const original = this.retryOf;
    const touched = original !== null || this.pos >= this.cascadeFrom;
    const ep = this.retryEp ?? this.wf.endpoints[this.path[this.pos]!]!;
    const path = original ? original.path : drawPath(ep, rng);
    const params = original ? original.params : drawQuery(ep, rng);
    let status = rng() < ep.errorRate ? ep.errorStatuses[Math.floor(rng() * ep.errorStatuses.length)]! : 200;
    let rt = Math.max(1, ep.meanMs * (1 + ep.jitter * normal(rng)));
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
    if (original === null) this.pos++;
    this.retryOf = retry ? event : null;
    this.retryEp = retry ? ep : null;
    const c = this.opts.cascade;
    const wait = retry ? intBetween(rng, c.retryBackoffMinMs, c.retryBackoffMaxMs) : this.thinkMs();
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
    return {
      event_id: `${this.sessionId}-${callIndex}`,
      timestamp,
      workflow: this.wf.name,
      user_id: this.userId,
      user_type: this.userType,
      session_id: this.sessionId,
      call_index: callIndex,
      endpoint,
      path,
      method,
      params,
      status_code: status,
      response_time_ms: rt,
      is_retry: isRetry,
      cascade_id:
        this.cascadeId !== null && (isRetry || this.pos >= this.cascadeFrom) ? this.cascadeId : null,
    };
  }

  private cascadeEffects(status: number, rt: number, mayRetry: boolean): [number, number, boolean] {
    const c = this.opts.cascade;
    const rng = this.rng;
    if (rng() < c.slowProbability) rt *= c.slowFactorMin + rng() * (c.slowFactorMax - c.slowFactorMin);
    const outcome = rng();
    if (outcome < c.timeoutProbability) {
      status = 504;
      rt = c.timeoutMs;
    } else if (outcome < c.timeoutProbability + c.failProbability) {
      status = 503;
    }
    const retry = mayRetry && rng() < c.retryProbability;
    return [status, rt, retry];
  }

  private thinkMs(): number {
    const t = this.opts.thinkTime;
    const rng = this.rng;
    if (rng() < t.longProbability) return intBetween(rng, t.longMinMs, t.longMaxMs);
    return intBetween(rng, t.minMs, t.maxMs);
  }

  private markCascade(start: number, end: number): void {
    if (Number.isNaN(this.cascadeStart)) this.cascadeStart = start;
    if (!(end <= this.cascadeEnd)) this.cascadeEnd = end;
  }

  /** The ground-truth record of this session's cascade, once the session is done. */
  label(): CascadeLabel | null {
    if (this.cascadeId === null || Number.isNaN(this.cascadeStart)) return null;
    const c = this.opts.cascade;
    return {
      cascade_id: this.cascadeId,
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
