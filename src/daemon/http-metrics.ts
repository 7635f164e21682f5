import { Counter, Gauge, type Registry } from "prom-client";
import { HTTP_ERROR_KINDS, type HttpErrorKind } from "../event/index.js";
import { Templater } from "../recordings/index.js";
import type { CompiledEndpoint } from "../sim/compile.js";
import { FastCounter, FastHistogram, type HistogramSeries } from "./fast-metrics.js";
import { LATENCY_BUCKETS, METRIC_PREFIX } from "./metrics.js";

/** The endpoint label of requests past the cap on distinct endpoint labels. */
export const OTHER_ENDPOINT = "other";

/** Distinct endpoint labels by default (`metrics.max_endpoints`). */
export const MAX_ENDPOINTS = 200;

/** Status classes by index: 0 no response, then 1xx..5xx. */
const CLASSES = ["error", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** One endpoint's series: requests by status class (made on first use), and its latency histogram. */
interface EndpointChildren {
  classes: ({ value: number } | undefined)[];
  latency: HistogramSeries;
  /** Its endpoint label: the template, or `other` past the cap. */
  label: string;
}

/**
 * HTTP mode's families, registered only when a target is set (a family that never moves says
 * nothing): requests by endpoint template, method and status class, latency by endpoint template,
 * network errors by kind, requests in flight, and arrivals dropped because the target was at its cap.
 * The per-request ones are FastCounter/FastHistogram: a request costs a map lookup and two adds.
 * Series stay few whatever the target sees: the endpoint label is a template (a replayed access log's
 * `/api/users/42` is counted as `/api/users/{id}`, as fit templates it), and past `maxEndpoints`
 * distinct labels the rest are counted under `other` (and in `http_endpoints_other_total`).
 */
export class HttpMetrics {
  private readonly requests: FastCounter;
  private readonly duration: FastHistogram;
  private readonly errors: Counter;
  private readonly dropped: Counter;
  private inFlightNow = 0;
  // Keyed by the compiled endpoint object: a request costs a map lookup, no string built.
  private readonly children = new Map<CompiledEndpoint, EndpointChildren>();
  /** Per label and method, its status classes; per label, its latency: shared by the endpoints it stands for. */
  private readonly classesOf = new Map<string, ({ value: number } | undefined)[]>();
  private readonly latencyOf = new Map<string, HistogramSeries>();
  private readonly labels = new Set<string>();
  private readonly templater = new Templater();
  private readonly other: Counter;

  constructor(
    registry: Registry,
    private readonly maxEndpoints = MAX_ENDPOINTS,
  ) {
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
    this.other = new Counter({
      name: `${p}http_endpoints_other_total`,
      help: 'Requests counted under endpoint="other": more distinct endpoint templates than metrics.max_endpoints.',
      registers,
    });
    for (const k of HTTP_ERROR_KINDS) this.errors.labels(k).inc(0);
    this.dropped.inc(0);
    this.other.inc(0);
  }

  sent(): void {
    this.inFlightNow++;
  }

  done(ep: CompiledEndpoint, status: number, error: HttpErrorKind | null, seconds: number): void {
    this.inFlightNow--;
    const c = this.children.get(ep) ?? this.bind(ep);
    const k = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    let r = c.classes[k];
    if (r === undefined) {
      r = this.requests.child({ endpoint: c.label, method: ep.method, status_class: CLASSES[k]! });
      c.classes[k] = r;
    }
    r.value++;
    c.latency.observe(seconds);
    if (c.label === OTHER_ENDPOINT) this.other.inc();
    if (error !== null) this.errors.labels(error).inc();
  }

  /** The series of an endpoint seen for the first time: its template's, or `other`'s past the cap. */
  private bind(ep: CompiledEndpoint): EndpointChildren {
    let label = this.templater.template(ep.template).endpoint;
    if (!this.labels.has(label)) {
      if (this.labels.size < this.maxEndpoints) this.labels.add(label);
      else label = OTHER_ENDPOINT;
    }
    const key = `${ep.method} ${label}`;
    const classes = this.classesOf.get(key) ?? [];
    this.classesOf.set(key, classes);
    const latency = this.latencyOf.get(label) ?? this.duration.child({ endpoint: label });
    this.latencyOf.set(label, latency);
    const c = { classes, latency, label };
    this.children.set(ep, c);
    return c;
  }

  /** Counts an arrival the target's cap dropped. */
  arrivalDropped(): void {
    this.dropped.inc();
  }
}
