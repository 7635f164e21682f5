import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HTTP_ERROR_KINDS, type HttpErrorKind } from "../event/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import { LATENCY_BUCKETS, METRIC_PREFIX } from "./metrics.js";

type Inc = { inc(n?: number): void };
type Observe = { observe(v: number): void };

/** Status classes by index: 0 no response, then 1xx..5xx. */
const CLASSES = ["error", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** One endpoint's bound children: requests by status class, and its latency histogram. */
interface EndpointChildren {
  classes: (Inc | undefined)[];
  latency: Observe;
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
  // Keyed by the compiled endpoint object: a request costs a map lookup, no string built.
  private readonly children = new Map<CompiledEndpoint, EndpointChildren>();

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

  done(ep: CompiledEndpoint, status: number, error: HttpErrorKind | null, seconds: number): void {
    this.inFlight.dec();
    let c = this.children.get(ep);
    if (c === undefined) {
      c = { classes: [], latency: this.duration.labels(ep.template) };
      this.children.set(ep, c);
    }
    const k = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    let r = c.classes[k];
    if (r === undefined) {
      r = this.requests.labels(ep.template, ep.method, CLASSES[k]!);
      c.classes[k] = r;
    }
    r.inc();
    c.latency.observe(seconds);
    if (error !== null) this.errors.labels(error).inc();
  }

  /** Counts an arrival the target's cap dropped. */
  arrivalDropped(): void {
    this.dropped.inc();
  }
}
