import { Counter, Gauge, type Registry } from "prom-client";
import { HTTP_ERROR_KINDS, type HttpErrorKind } from "../event/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import { FastCounter, FastHistogram, type HistogramSeries } from "./fast-metrics.js";
import { LATENCY_BUCKETS, METRIC_PREFIX } from "./metrics.js";

/** Status classes by index: 0 no response, then 1xx..5xx. */
const CLASSES = ["error", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** One endpoint's series: requests by status class (made on first use), and its latency histogram. */
interface EndpointChildren {
  classes: ({ value: number } | undefined)[];
  latency: HistogramSeries;
}

/**
 * HTTP mode's families, registered only when a target is set (a family that never moves says
 * nothing): requests by endpoint template, method and status class, latency by endpoint template,
 * network errors by kind, requests in flight, and arrivals dropped because the target was at its cap.
 * The per-request ones are FastCounter/FastHistogram: a request costs a map lookup and two adds.
 */
export class HttpMetrics {
  private readonly requests: FastCounter;
  private readonly duration: FastHistogram;
  private readonly errors: Counter;
  private readonly dropped: Counter;
  private inFlightNow = 0;
  // Keyed by the compiled endpoint object: a request costs a map lookup, no string built.
  private readonly children = new Map<CompiledEndpoint, EndpointChildren>();

  constructor(registry: Registry) {
    const registers = [registry];
    const p = METRIC_PREFIX;
    this.requests = new FastCounter(
      `${p}http_requests_total`,
      "Requests sent to the target, by endpoint template, method and status class (error: no response).",
      registry,
    );
    this.duration = new FastHistogram(
      `${p}http_request_duration_seconds`,
      "Real latency of requests to the target (to the body's last byte), by endpoint template.",
      LATENCY_BUCKETS,
      registry,
    );
    this.errors = new Counter({
      name: `${p}http_errors_total`,
      help: "Requests that ended without a response, by kind (timeout, refused, reset, dns, tls, other).",
      labelNames: ["kind"],
      registers,
    });
    const self = this;
    new Gauge({
      name: `${p}http_requests_in_flight`,
      help: "Requests sent and not yet answered.",
      registers,
      collect() {
        this.set(self.inFlightNow);
      },
    });
    this.dropped = new Counter({
      name: `${p}arrivals_dropped_total`,
      help: "Arrivals (open model) that could not start: the target was at its connection or rate cap.",
      registers,
    });
    for (const k of HTTP_ERROR_KINDS) this.errors.labels(k).inc(0);
    this.dropped.inc(0);
  }

  sent(): void {
    this.inFlightNow++;
  }

  done(ep: CompiledEndpoint, status: number, error: HttpErrorKind | null, seconds: number): void {
    this.inFlightNow--;
    let c = this.children.get(ep);
    if (c === undefined) {
      c = { classes: [], latency: this.duration.child({ endpoint: ep.template }) };
      this.children.set(ep, c);
    }
    const k = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    let r = c.classes[k];
    if (r === undefined) {
      r = this.requests.child({ endpoint: ep.template, method: ep.method, status_class: CLASSES[k]! });
      c.classes[k] = r;
    }
    r.value++;
    c.latency.observe(seconds);
    if (error !== null) this.errors.labels(error).inc();
  }

  /** Counts an arrival the target's cap dropped. */
  arrivalDropped(): void {
    this.dropped.inc();
  }
}
