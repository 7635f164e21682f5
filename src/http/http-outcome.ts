import type { TargetConfig } from "../config/target.js";
import { hostOf } from "../config/target.js";
import { Effect } from "../event/effects.js";
import type { HttpErrorKind } from "../event/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import {
  type CallOutcome,
  type ChosenCall,
  DROPPED,
  NO_RETRY,
  newOutcome,
  PENDING,
  type Settle,
} from "../sim/outcome.js";
import { traceparentOf } from "../sinks/index.js";
import { errorKind } from "./errors.js";
import type { ExchangeHandler } from "./h1-pool.js";
import type { CallPlan } from "./inject/types.js";
import { RateLimiter } from "./limiter.js";
import { pathPrefix, requestOf } from "./request.js";
import { type OutgoingCall, type Transport, transportFor } from "./transport.js";

/** What HTTP mode reports as requests go and come back (metrics). */
export interface HttpObserver {
  sent(): void;
  done(endpoint: CompiledEndpoint, status: number, error: HttpErrorKind | null, seconds: number): void;
}

export interface HttpOutcomeOptions {
  target: TargetConfig;
  /** The open model drops an arrival whose first call cannot go now (connections or rate at their cap). */
  dropWhenBusy: boolean;
  /** The virtual instant now (NaN at `max` speed: a session then thinks from due + latency). */
  virtualNow: () => number;
  /** The cascades' injection: which window reaches a call about to be sent, and what it does to it. */
  inject?: { plan(call: ChosenCall, plan: CallPlan, now: number): void };
  observer?: HttpObserver;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** The error a client timeout aborts a request with: its kind is `timeout`. */
function clientTimeout(ms: number): Error {
  return Object.assign(new Error(`client timeout after ${ms} ms (cascade)`), { code: "ETIMEDOUT" });
}

/**
 * One request in flight and its handler (undici's callback interface, which H1Pool calls the same
 * way: no stream and no promise per response): records the status, reads the body to its last byte
 * (the latency runs to it, as a client sees it), and completes the call with the response or the
 * error that ended it.
 */
class Exchange implements ExchangeHandler {
  readonly out = newOutcome();
  t0 = 0;
  /** A client timeout (the client injector) armed for this request, and its abort once connected. */
  timeoutMs = Number.NaN;
  timer: ReturnType<typeof setTimeout> | null = null;
  /** The client timeout fired: tracewalk itself ended this request (an effect it applied, for the labels). */
  timedOut = false;

  constructor(
    readonly call: ChosenCall,
    private readonly owner: HttpOutcome,
  ) {
    this.out.error = null;
  }

  onConnect(abort: (err?: Error) => void): void {
    if (!Number.isNaN(this.timeoutMs)) this.arm(abort);
  }

  /** Aborts the request once `timeoutMs` has passed since it was sent (never before: a timer may fire early). */
  private arm(abort: (err?: Error) => void): void {
    const left = this.timeoutMs - (performance.now() - this.t0);
    if (left <= 0) {
      this.timer = null;
      this.timedOut = true;
      abort(clientTimeout(this.timeoutMs));
      return;
    }
    this.timer = setTimeout(() => this.arm(abort), Math.ceil(left));
  }

  onHeaders(statusCode: number): boolean {
    this.out.status = statusCode;
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    this.owner.finish(this, null);
  }

  onError(err: Error): void {
    this.owner.finish(this, err);
  }
}

/**
 * HTTP mode's outcome: each call is sent to the target and completed by the real response (status,
 * latency, send time) or by the network failure that ended it (status 0, `error` its kind). The session
 * waits out of the schedule until then. A call carries a window's `cascade_id` only when an injector
 * of that window reaches it (see inject/); the client injector's timeouts and retries happen here.
 */
export class HttpOutcome implements CallOutcome {
  private readonly transport: Transport;
  private readonly prefix: string;
  private readonly limiter: RateLimiter | null;
  private readonly capacity: number;
  /** The request being sent: one record, filled per call (the transport keeps nothing of it). */
  private readonly outgoing: OutgoingCall = {
    method: "GET",
    path: "",
    body: null,
    traceparent: null,
    injected: null,
  };
  private readonly plan: CallPlan = {
    cascadeId: null,
    headers: {},
    timeoutMs: Number.NaN,
    retryAfterMs: NO_RETRY,
  };
  private inFlight = 0;
  private settle: Settle = () => {
    throw new Error("HttpOutcome used before an engine attached to it");
  };
  /** Requests sent, completed (with a response or an error). */
  requests = 0;

  constructor(private readonly o: HttpOutcomeOptions) {
    const url = new URL(o.target.url);
    // Checked at load too: never a request to a host outside allow_hosts.
    if (!o.target.allow_hosts.map((h) => h.toLowerCase()).includes(hostOf(url))) {
      throw new Error(`target host ${hostOf(url)} is not in allow_hosts`);
    }
    this.prefix = pathPrefix(url);
    this.capacity = o.target.max_connections * o.target.pipelining;
    this.limiter = o.target.rate_limit === undefined ? null : new RateLimiter(o.target.rate_limit);
    this.transport = transportFor(url, o.target);
  }

  begin(): void {}

  label(): null {
    return null;
  }

  attach(settle: Settle): void {
    this.settle = settle;
  }

  complete(call: ChosenCall): typeof PENDING | typeof DROPPED {
    if (
      this.o.dropWhenBusy &&
      call.callIndex === 0 &&
      (this.inFlight >= this.capacity || this.limiter?.behind())
    ) {
      return DROPPED;
    }
    const ex = new Exchange(call, this);
    const wait = this.limiter?.take();
    if (wait === undefined) this.send(ex);
    else void wait.then(() => this.send(ex));
    return PENDING;
  }

  private send(ex: Exchange): void {
    const call = ex.call;
    const req = this.outgoing;
    requestOf(this.prefix, call.endpoint.method, call.path, call.params, req);
    req.traceparent = this.o.target.trace_context
      ? traceparentOf(call.session.sessionId, call.callIndex)
      : null;
    // One reading of the clock stamps the call and decides which window reaches it (injection.ts).
    const now = Date.now();
    req.injected = this.o.inject === undefined ? null : this.injected(call, ex, now);
    this.inFlight++;
    this.o.observer?.sent();
    ex.out.sentAt = now;
    ex.t0 = performance.now();
    this.transport.send(req, ex);
  }

  /** A request ended: its outcome (status, or the error's kind; latency; when) completes the call. */
  finish(ex: Exchange, err: Error | null): void {
    const ms = performance.now() - ex.t0;
    const out = ex.out;
    if (ex.timer !== null) clearTimeout(ex.timer);
    if (err !== null) {
      out.status = 0;
      out.error = errorKind(err);
    }
    // The client injector's effects are the only ones tracewalk applies in HTTP mode: a timeout armed
    // and fired, a retry scheduled. An armed timeout the response beat is drawn but not applied.
    if (!Number.isNaN(ex.timeoutMs)) out.effects |= Effect.DRAWN | (ex.timedOut ? Effect.TIMEOUT : 0);
    this.inFlight--;
    this.requests++;
    out.latencyMs = round1(ms);
    out.doneAt = this.o.virtualNow();
    this.o.observer?.done(ex.call.endpoint, out.status, out.error ?? null, ms / 1000);
    this.settle(ex.call, out);
  }

  /**
   * What the call's window does to it (an injector's headers, the id it carries, a client timeout, a
   * retry after it); returns the headers, or null when none were set.
   */
  private injected(call: ChosenCall, ex: Exchange, now: number): Record<string, string> | null {
    const p = this.plan;
    const h: Record<string, string> = {};
    p.cascadeId = null;
    p.headers = h;
    p.timeoutMs = Number.NaN;
    p.retryAfterMs = NO_RETRY;
    this.o.inject!.plan(call, p, now);
    ex.out.cascadeId = p.cascadeId;
    ex.out.retryAfterMs = p.retryAfterMs;
    if (p.retryAfterMs !== NO_RETRY) ex.out.effects |= Effect.DRAWN | Effect.RETRY;
    ex.timeoutMs = p.timeoutMs;
    for (const _ in h) return h;
    return null;
  }

  /** Closes the connections; requests still in flight end with an error (their events are not made). */
  async close(): Promise<void> {
    this.limiter?.close(); // requests waiting for a slot never go; no timer outlives the target
    await this.transport.close();
  }
}
