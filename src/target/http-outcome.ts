import { type Dispatcher, Pool } from "undici";
import type { CascadeWindow } from "../cascade/plan.js";
import { effectsFor, scratchCall, touchingWindow } from "../cascade/window-modifier.js";
import type { TargetConfig } from "../config/target.js";
import { hostOf } from "../config/target.js";
import type { HttpErrorKind } from "../event/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import {
  type CallOutcome,
  type ChosenCall,
  DROPPED,
  newOutcome,
  type Outcome,
  PENDING,
  type Settle,
} from "../sim/outcome.js";
import { traceparentOf } from "../sinks/otlp-ids.js";
import { errorKind } from "./errors.js";
import { RateLimiter } from "./limiter.js";
import { pathPrefix, requestOf } from "./request.js";

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
  /** The cascade windows open now, and the names of the cascades that inject Envoy faults. */
  windows?: { open: readonly CascadeWindow[]; envoy: ReadonlySet<string> };
  observer?: HttpObserver;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

/**
 * One request in flight and its handler (undici's callback interface: no stream and no promise per
 * response): records the status, reads the body to its last byte (the latency runs to it, as a client
 * sees it), and completes the call with the response or the error that ended it.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly out = newOutcome();
  t0 = 0;

  constructor(
    readonly call: ChosenCall,
    private readonly owner: HttpOutcome,
  ) {
    this.out.error = null;
  }

  onConnect(): void {}

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
 * waits out of the schedule until then. Windows still label the calls they touch (`cascade_id`); with
 * `envoy_faults` they also ask an Envoy in front of the target to delay or abort the call.
 */
export class HttpOutcome implements CallOutcome {
  readonly pool: Pool;
  private readonly prefix: string;
  private readonly limiter: RateLimiter | null;
  private readonly headers: Record<string, string>;
  private readonly capacity: number;
  private readonly scratch = scratchCall();
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
    this.headers = { ...o.target.headers };
    this.capacity = o.target.max_connections * o.target.pipelining;
    this.limiter = o.target.rate_limit === undefined ? null : new RateLimiter(o.target.rate_limit);
    this.pool = new Pool(url.origin, {
      connections: o.target.max_connections,
      pipelining: o.target.pipelining,
      headersTimeout: o.target.timeout,
      bodyTimeout: o.target.timeout,
      connectTimeout: o.target.timeout,
    });
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
    const ep = call.endpoint;
    const req = requestOf(this.prefix, ep.method, call.path, call.params);
    const headers = this.headersFor(call, ex.out);
    this.inFlight++;
    this.o.observer?.sent();
    ex.out.sentAt = Date.now();
    ex.t0 = performance.now();
    this.pool.dispatch({ path: req.path, method: req.method, headers, body: req.body }, ex);
  }

  /** A request ended: its outcome (status, or the error's kind; latency; when) completes the call. */
  finish(ex: Exchange, err: Error | null): void {
    const ms = performance.now() - ex.t0;
    const out = ex.out;
    if (err !== null) {
      out.status = 0;
      out.error = errorKind(err);
    }
    this.inFlight--;
    this.requests++;
    out.latencyMs = round1(ms);
    out.doneAt = this.o.virtualNow();
    this.o.observer?.done(ex.call.endpoint, out.status, out.error ?? null, ms / 1000);
    this.settle(ex.call, out);
  }

  /** The request's headers: the target's, a JSON content type for bodies, and a window's Envoy faults. */
  private headersFor(call: ChosenCall, out: Outcome): Record<string, string> {
    const w =
      this.o.windows === undefined ? undefined : touchingWindow(this.o.windows.open, call, this.scratch);
    const h: Record<string, string> = { ...this.headers };
    if (call.endpoint.method !== "GET" && call.endpoint.method !== "DELETE")
      h["content-type"] = "application/json";
    if (this.o.target.trace_context) h.traceparent = traceparentOf(call.session.sessionId, call.callIndex);
    if (w === undefined) return h;
    out.cascadeId = w.cascade_id;
    if (!this.o.windows!.envoy.has(w.name)) return h;
    const base = call.endpoint.meanMs;
    const e = effectsFor(w, call, { status: 200, latencyMs: base });
    if (e.status === w.effects.timeout.status && e.latencyMs === w.effects.timeout.after) {
      h["x-envoy-fault-delay-request"] = String(Math.round(w.effects.timeout.after));
      h["x-envoy-fault-abort-request"] = String(e.status);
    } else {
      if (e.latencyMs > base) h["x-envoy-fault-delay-request"] = String(Math.round(e.latencyMs - base));
      if (e.status !== 200) h["x-envoy-fault-abort-request"] = String(e.status);
    }
    return h;
  }

  /** Closes the connections; requests still in flight end with an error (their events are not made). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
