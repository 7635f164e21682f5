import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HTTP_ERROR_KINDS, type HttpErrorKind } from "../event/index.js";
import { LATENCY_BUCKETS, METRIC_PREFIX } from "./metrics.js";

type Inc = { inc(n?: number): void };
type Observe = { observe(v: number): void };

function statusClass(status: number): string {
  return status === 0 ? "error" : `${Math.floor(status / 100)}xx`;
}

/**
 * HTTP mode's families, registered only when a target is set (a family that never moves says
 * nothing): requests by endpoint template, method and status class, latency by endpoint template,
 * network errors by kind, requests in flight, and arrivals dropped because the target was at its cap.
 * Label children are cached on first use, so a request costs a map lookup and an add.
 */
export class HttpMetrics {
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly errors: Counter;
  private readonly inFlight: Gauge;
  private readonly dropped: Counter;
  private readonly requestChildren = new Map<string, Inc>();
  private readonly durationChildren = new Map<string, Observe>();

  constructor(registry: Registry) {
    const registers = [registry];
    const p = METRIC_PREFIX;
    this.requests = new Counter({
      name: `${p}http_requests_total`,
      help: "Requests sent to the target, by endpoint template, method and status class (error: no response).",
      labelNames: ["endpoint", "method", "status_class"],
      registers,
    });
    this.duration = new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: "Real latency of requests to the target (to the body's last byte), by endpoint template.",
      labelNames: ["endpoint"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: `${p}http_errors_total`,
      help: "Requests that ended without a response, by kind (timeout, refused, reset, dns, tls, other).",
      labelNames: ["kind"],
      registers,
    });
    this.inFlight = new Gauge({
      name: `${p}http_requests_in_flight`,
      help: "Requests sent and not yet answered.",
      registers,
    });
    this.dropped = new Counter({
      name: `${p}arrivals_dropped_total`,
      help: "Arrivals (open model) that could not start: the target was at its connection or rate cap.",
      registers,
    });
    for (const k of HTTP_ERROR_KINDS) this.errors.labels(k).inc(0);
    this.dropped.inc(0);
    this.inFlight.set(0);
  }

  sent(): void {
    this.inFlight.inc();
  }

  done(endpoint: string, method: string, status: number, error: HttpErrorKind | null, seconds: number): void {
    this.inFlight.dec();
    const cls = statusClass(status);
    const key = `${endpoint} ${method} ${cls}`;
    let r = this.requestChildren.get(key);
    if (r === undefined) {
      r = this.requests.labels(endpoint, method, cls);
      this.requestChildren.set(key, r);
    }
    r.inc();
    let d = this.durationChildren.get(endpoint);
    if (d === undefined) {
      d = this.duration.labels(endpoint);
      this.durationChildren.set(endpoint, d);
    }
    d.observe(seconds);
    if (error !== null) this.errors.labels(error).inc();
  }

  /** Counts an arrival the target's cap dropped. */
  arrivalDropped(): void {
    this.dropped.inc();
  }
}
