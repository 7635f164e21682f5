import { EngineEvent, markEffects, SessionText, type TraceEvent } from "../event/index.js";
import type { CompiledEndpoint, CompiledParam, CompiledWorkflow } from "./compile.js";
import { END_INDEX } from "./compile.js";
import type { Arrival, EngineSession, EventTaker } from "./engine-session.js";
import type { GenerationOptions } from "./options.js";
import type { ChosenCall, Outcome, RecordedResult } from "./outcome.js";
import { NO_RETRY } from "./outcome.js";
import { type AleaState, aleaInt, aleaNext, aleaState, pickCumulative } from "./rng.js";
import type { SessionCascadeRun } from "./session-cascade.js";
import type { TimestampFormatter } from "./timefmt.js";

export type { Arrival } from "./engine-session.js";

const EMPTY_PARAMS: Record<string, string | number> = Object.freeze({}) as Record<string, string | number>;

/** One parameter's draw: a choice's index, or the integer drawn from its range. */
function drawOne(p: CompiledParam, a: AleaState): number {
  if (p.choices !== null) return Math.floor(aleaNext(a) * p.choices.length);
  return aleaInt(a, p.min, p.max);
}

/**
 * Draws a new call's path parameters, then its query parameters, into `draws`, in that order, one
 * number each (drawOne). The path and params are made of them only when read (drawnPath,
 * drawnParams): `generate`'s packer reads the numbers instead, and makes neither.
 */
function drawInto(ep: CompiledEndpoint, a: AleaState, draws: number[]): void {
  const pp = ep.pathParams;
  const qp = ep.queryParams;
  for (let i = 0; i < pp.length; i++) draws[i] = drawOne(pp[i]!, a);
  for (let i = 0; i < qp.length; i++) draws[pp.length + i] = drawOne(qp[i]!, a);
}

/**
 * A path parameter's text, percent-encoded, from its draw: choices were encoded when compiled, and an
 * integer's digits need no encoding.
 */
function drawnPathText(p: CompiledParam, v: number): string {
  if (p.pathChoices !== null) return p.pathChoices[v]!;
  return Number.isSafeInteger(v) ? `${v}` : encodeURIComponent(String(v));
}

/** The path of a call to `ep` with these draws (drawInto). */
function drawnPath(ep: CompiledEndpoint, draws: readonly number[]): string {
  const parts = ep.pathParts;
  if (parts.length === 1) return parts[0]!;
  let out = parts[0]!;
  for (let i = 0; i < ep.pathParams.length; i++)
    out += drawnPathText(ep.pathParams[i]!, draws[i]!) + parts[i + 1]!;
  return out;
}

/** The query parameters of a call to `ep` with these draws (drawInto), in the endpoint's order. */
function drawnParams(ep: CompiledEndpoint, draws: readonly number[]): Record<string, string | number> {
  const qp = ep.queryParams;
  if (qp.length === 0) return EMPTY_PARAMS;
  const out: Record<string, string | number> = {};
  const at = ep.pathParams.length;
  for (let i = 0; i < qp.length; i++) {
    const p = qp[i]!;
    const v = draws[at + i]!;
    out[p.name] = p.choices !== null ? p.choices[v]! : v;
  }
  return out;
}

/** What an event is made of besides its outcome: the session's ids and the call in flight. */
export interface EventParts {
  readonly sessionId: string;
  readonly userId: string;
  readonly userType: string;
  readonly workflowName: string;
  readonly due: number;
  readonly endpoint: CompiledEndpoint;
  /** The session's strings in one object, made once: its events keep it. */
  readonly text: SessionText;
  readonly path: string;
  readonly params: Record<string, string | number>;
  /**
   * The walk's draws that `path` and `params` are made of (drawInto), for a taker to read in their
   * place with `endpoint`; null when the call has none (a recorded call).
   */
  readonly draws: readonly number[] | null;
  readonly isRetry: boolean;
}

/** The one place an event is made: call `callIndex` of `s`, completed by `out`. */
export function eventOf(s: EventParts, callIndex: number, out: Outcome, fmt: TimestampFormatter): TraceEvent {
  const timestamp = fmt.format(Number.isNaN(out.sentAt) ? s.due : out.sentAt);
  const event = EngineEvent.made(
    s.text,
    callIndex,
    timestamp,
    fmt.minute,
    fmt.inMinute,
    s.endpoint.text,
    s.path,
    s.params,
    out.status,
    out.latencyMs,
    s.isRetry,
    out.cascadeId,
  );
  if (out.error !== undefined) event.error = out.error;
  if (out.effects !== 0) markEffects(event, out.effects);
  return event;
}

/** Puts the event of call `callIndex` of `s`, completed by `out`, in `into`: as its parts if it takes them. */
export function emitEvent(
  into: EventTaker,
  s: EventParts,
  callIndex: number,
  out: Outcome,
  fmt: TimestampFormatter,
): void {
  if (into.takeCall === undefined || !into.takeCall(s, callIndex, out, fmt)) {
    into.push(eventOf(s, callIndex, out, fmt));
  }
}

/**
 * A session in flight: the scheduler's queue entry and the walker's state in one small object.
 * It draws from two seedrandom Alea streams kept as plain state (no closures): one walks the chain, one
 * draws each call's details. Separate streams let a cascaded session look ahead to its length
 * without storing its path, so an idle session costs a few hundred bytes.
 *
 * A call goes in two steps with a seam between them: `nextCall()` chooses it (the walk: endpoint,
 * path, params), a `CallOutcome` decides how it went, and `complete()` makes the event and moves
 * `due` past the response and the think time. Between the two the session is the call in flight.
 */
export class Session implements EngineSession, ChosenCall {
  due: number;
  readonly order: number;
  readonly userType: string;
  /** The per-session cascade touching this session, or null; set by its outcome modifier at start. */
  cascade: SessionCascadeRun | null = null;
  /** The call stream: path, params, then the outcome's draws, then the think time. */
  readonly rng: AleaState;
  /** The call in flight, or the one to retry. */
  endpoint!: CompiledEndpoint;
  /** Its draws (drawInto): the call's path and params are made of them when first read. */
  readonly draws: number[] = [];
  /** The path and params once made; released once the call is done with. */
  private pathMade: string | null = null;
  private paramsMade: Record<string, string | number> | null = null;
  /** The call chosen (or to be chosen next) repeats the previous one. */
  isRetry = false;
  /** Steps of the walk taken (retries not counted). */
  steps = 0;
  /** Index of the call in flight (its event's `call_index`): every call and retry counts. */
  callIndex = 0;
  /** Retries of the current call made so far (0 for its first attempt). */
  retries = 0;
  /** For a retry: the `cascade_id` of the call it retries (retries carry it), or null. */
  retryOf: string | null = null;
  /** Index of the endpoint of the next new call; END_INDEX once the walk is over. */
  private next: number;
  private readonly walk: AleaState;
  private st: SessionText | null = null;

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
    this.rng = aleaState(key, arrival.user, arrival.session, 1);
    this.walk = aleaState(key, arrival.user, arrival.session, 4);
    this.next = wf.entryTargets[pickCumulative(wf.entryCum, aleaNext(this.walk))]!;
    // The first draw of the call stream once decided the per-session cascade, which now draws from a
    // stream of its own: it stays reserved, so every seed keeps the paths and think times it had.
    aleaNext(this.rng);
  }

  /** The session itself, as the chosen call's owner. */
  get session(): Session {
    return this;
  }

  get workflowName(): string {
    return this.wf.name;
  }

  /** The path of the call in flight. */
  get path(): string {
    if (this.pathMade === null) this.pathMade = drawnPath(this.endpoint, this.draws);
    return this.pathMade;
  }

  /** The query parameters of the call in flight. */
  get params(): Record<string, string | number> {
    if (this.paramsMade === null) this.paramsMade = drawnParams(this.endpoint, this.draws);
    return this.paramsMade;
  }

  /** A walk's calls have no recorded outcome. */
  get recorded(): RecordedResult | null {
    return null;
  }

  // Made once, on the session's first event: every event carries its strings, and building them per
  // event was garbage the collector chased (a session in flight holds them until it ends).
  get text(): SessionText {
    if (this.st === null) {
      const a = this.arrival;
      const sid = `${this.seedTag}-${a.user}-${a.session}`;
      this.st = new SessionText(this.wf.name, `user-${a.user}`, this.userType, sid);
    }
    return this.st;
  }

  get userId(): string {
    return this.text.userId;
  }

  get sessionId(): string {
    return this.text.sessionId;
  }

  get cascadeId(): string | null {
    return this.cascade === null ? null : this.cascade.id;
  }

  /** True once every call (and retry) has been completed. */
  get done(): boolean {
    return this.next === END_INDEX && !this.isRetry;
  }

  /** The next endpoint after `from` (END_INDEX at an exit, `$end` or the length cap), drawn from `walk`. */
  private step(from: number, steps: number, walk: AleaState): number {
    const ep = this.wf.endpoints[from]!;
    if (ep.isExit || steps >= this.opts.maxLength) return END_INDEX;
    return ep.targets[pickCumulative(ep.cum, aleaNext(walk))]!;
  }

  /** How many calls the walk will make, found on a copy of the walk stream. */
  lookAheadLength(): number {
    const walk = { ...this.walk };
    let n = 1;
    for (let at = this.step(this.next, n, walk); at !== END_INDEX; at = this.step(at, n, walk)) n++;
    return n;
  }

  /**
   * Chooses the call due now (a retry repeats the previous one), drawing a new call's path and params
   * from the call stream. Call once per call, then complete it; not when `done`.
   */
  nextCall(): ChosenCall {
    if (!this.isRetry) {
      const ep = this.wf.endpoints[this.next]!;
      this.endpoint = ep;
      drawInto(ep, this.rng, this.draws);
      this.pathMade = null;
      this.paramsMade = null;
    }
    return this;
  }

  /**
   * Completes the chosen call with `out`: puts its event in `into`, advances the walk (not for a
   * retry) and moves `due` past the response and then the retry backoff or a think time.
   */
  complete(out: Outcome, fmt: TimestampFormatter, into: EventTaker): void {
    const at = this.due;
    const rt = out.latencyMs;
    // The event is made of the call as chosen: before the walk moves on and `path` is released.
    emitEvent(into, this, this.callIndex++, out, fmt);
    if (!this.isRetry) this.next = this.step(this.next, ++this.steps, this.walk);
    const retry = out.retryAfterMs !== NO_RETRY;
    this.retries = retry ? this.retries + 1 : 0;
    this.retryOf = retry ? out.cascadeId : null;
    this.isRetry = retry;
    if (!retry) {
      this.pathMade = null;
      this.paramsMade = null;
    }
    // Simulated: the response ends at due + latency; in HTTP mode, when it really arrived.
    const end = Number.isNaN(out.doneAt) ? at + rt : out.doneAt;
    this.due = Math.round(end + (retry ? out.retryAfterMs : this.thinkMs()));
  }

  private thinkMs(): number {
    const t = this.opts.thinkTime;
    const a = this.rng;
    if (aleaNext(a) < t.longProbability) return aleaInt(a, t.longMinMs, t.longMaxMs);
    return aleaInt(a, t.minMs, t.maxMs);
  }
}
