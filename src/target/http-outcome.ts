import { type Dispatcher, Pool } from "undici";
import type { CascadeWindow } from "../cascade/plan.js";
import { effectsFor, scratchCall, touchingWindow } from "../cascade/window-modifier.js";
import type { TargetConfig } from "../config/target.js";
import { hostOf } from "../config/target.js";
import type { HttpErrorKind } from "../event/index.js";
import { type CallOutcome, type ChosenCall, DROPPED, newOutcome, type Outcome } from "../sim/outcome.js";
import { errorKind } from "./errors.js";
import { RateLimiter } from "./limiter.js";
import { pathPrefix, requestOf } from "./request.js";

/** What HTTP mode reports as requests go and come back (metrics). */
export interface HttpObserver {
  sent(): void;
  done(endpoint: string, method: string, status: number, error: HttpErrorKind | null, seconds: number): void;
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
 * One request's handler: records the status, reads the body to its last byte (the latency runs to it,
 * as a client sees it) and settles with the error that ended it, or null.
 */
class Exchange implements Dispatcher.DispatchHandler {
  constructor(
    private readonly out: Outcome,
    private readonly settle: (err: Error | null) => void,
  ) {}

  // undici 7's pools take the handler interface of callbacks below (onConnect ... onError).
  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.out.status = statusCode;
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    this.settle(null);
  }

  onError(err: Error): void {
    this.settle(err);
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

  complete(call: ChosenCall): Promise<Outcome> | typeof DROPPED {
    if (
      this.o.dropWhenBusy &&
      call.callIndex === 0 &&
      (this.inFlight >= this.capacity || this.limiter?.behind())
    ) {
      return DROPPED;
    }
    return this.send(call);
  }

  private async send(call: ChosenCall): Promise<Outcome> {
    const out = newOutcome();
    out.error = null;
    const ep = call.endpoint;
    const req = requestOf(this.prefix, ep.method, call.path, call.params);
    const headers = this.headersFor(call, out);
    const wait = this.limiter?.take();
    if (wait !== undefined) await wait;
    this.inFlight++;
    this.o.observer?.sent();
    out.sentAt = Date.now();
    const t0 = performance.now();
    // dispatch with a handler, not request(): no stream and no promise per response body, which at
    // tens of thousands of requests a second is most of the client's cost.
    const err = await new Promise<Error | null>((resolve) => {
      const exchange = new Exchange(out, resolve);
      this.pool.dispatch({ path: req.path, method: req.method, headers, body: req.body }, exchange);
    });
    if (err !== null) {
      out.status = 0;
      out.error = errorKind(err);
    }
    const ms = performance.now() - t0;
    this.inFlight--;
    this.requests++;
    out.latencyMs = round1(ms);
    out.doneAt = this.o.virtualNow();
    this.o.observer?.done(ep.template, ep.method, out.status, out.error, ms / 1000);
    return out;
  }

  /** The request's headers: the target's, a JSON content type for bodies, and a window's Envoy faults. */
  private headersFor(call: ChosenCall, out: Outcome): Record<string, string> {
    const w =
      this.o.windows === undefined ? undefined : touchingWindow(this.o.windows.open, call, this.scratch);
    const h: Record<string, string> = { ...this.headers };
    if (call.endpoint.method !== "GET" && call.endpoint.method !== "DELETE")
      h["content-type"] = "application/json";
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
