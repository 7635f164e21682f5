import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from "prom-client";
import { CONTROL_ACTIONS, type ControlAction } from "./control.js";
import { FastCounter, FastHistogram } from "./fast-metrics.js";

/** Prefix of every tracewalk metric family. */
export const METRIC_PREFIX = "tracewalk_";

/** Buckets of call latency, seconds: 5 ms to 60 s. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Buckets of schedule lag (how far wall time runs behind the schedule), seconds: 1 ms to 60 s. */
export const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The label values known up front, so that every label child is bound once. */
export interface MetricLabels {
  sinks: readonly string[];
  workflows: readonly string[];
  /** Names of the scheduled cascades: their window series exist from the start. */
  cascades?: readonly string[];
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (memory, heap, event loop, GC, CPU), unprefixed; default true. */
  defaultMetrics?: boolean;
}

type Child = { inc(n?: number): void };
type GaugeChild = { set(n: number): void };
type HistogramChild = { observe(n: number): void };

/** The metrics of one sink, bound to its label once. */
export interface SinkMetrics {
  /** Counts `n` events delivered by the sink (written, or acknowledged by the cluster). */
  emitted(n: number): void;
  /** Counts one failed write or connection attempt. */
  error(): void;
  /** Counts one retried request. */
  retry(): void;
  /** Sets how many events the sink accepted and has not delivered yet. */
  backlog(events: number): void;
  /** Counts `n` events the sink accepted and could not deliver before the shutdown's deadline. */
  undelivered(n: number): void;
  /** Marks the sink connected (ready) or not. */
  ready(isReady: boolean): void;
}

/** Whether every sink is ready, and the names of those that are not. */
export interface Readiness {
  ready: boolean;
  notReady: string[];
}

/**
 * The families exported. HTTP responses and dropped arrivals are not among them yet: HTTP mode does
 * not exist, and a family that never moves says nothing.
 * `beforeScrape` runs as /metrics is read, so sink progress is exact at every scrape.
 */
function families(registry: Registry, beforeScrape: () => void, sessionsNow: () => number | null) {
  const registers = [registry];
  const p = METRIC_PREFIX;
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `${p}${name}`, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `${p}${name}`, help, labelNames, registers });
  return {
    emitted: new Counter({
      name: `${p}events_emitted_total`,
      help: "Events each sink delivered (files: written; Kafka: acknowledged by the cluster).",
      labelNames: ["sink"],
      registers,
      collect: beforeScrape,
    }),
    undelivered: counter(
      "events_undelivered_total",
      "Events a sink accepted but had not delivered when shutdown's deadline passed (lost).",
      ["sink"],
    ),
    // Counted on every session: array-backed like `latency`; their series exist from the start, as before.
    started: new FastCounter(`${p}sessions_started_total`, "Sessions started, per workflow.", registry),
    completed: new FastCounter(`${p}sessions_completed_total`, "Sessions completed, per workflow.", registry),
    late: counter("arrivals_late_total", "Arrivals started later than scheduled."),
    control: counter("control_actions_total", "Actions taken through the control API.", ["action"]),
    sinkErrors: counter("sink_errors_total", "Failed sink writes or connection attempts.", ["sink"]),
    sinkRetries: counter("sink_retries_total", "Retried sink requests.", ["sink"]),
    cascades: counter(
      "cascades_injected_total",
      "Per-session cascades (generation.cascade_rate) injected, each with its label record, per workflow.",
      ["workflow"],
    ),
    windows: counter(
      "cascade_windows_total",
      "Cascade windows opened (scheduled, triggered, propagated hops), per cascade.",
      ["cascade"],
    ),
    windowsActive: gauge("cascades_active", "Cascade windows open now, per cascade.", ["cascade"]),
    users: gauge("active_users", "Virtual users currently alive."),
    sessions: new Gauge({
      name: `${p}active_sessions`,
      help: "Sessions currently in progress (HTTP mode: waiting for a response included).",
      registers,
      // Read as /metrics is read: sessions that wait for responses emit no batch that would update it.
      collect() {
        const n = sessionsNow();
        if (n !== null) this.set(n);
      },
    }),
    backlog: gauge("sink_backlog_events", "Events each sink accepted and has not delivered yet.", ["sink"]),
    sinkReady: gauge("sink_ready", "1 when the sink is connected and accepting events, else 0.", ["sink"]),
    virtualTime: gauge("virtual_time_seconds", "Virtual clock, seconds since the Unix epoch."),
    speed: gauge("clock_speed", "Virtual seconds per wall second; +Inf when the clock runs at max."),
    // Observed on every call: array-backed, written exactly as the prom-client Histogram it replaced.
    latency: new FastHistogram(
      `${p}call_latency_seconds`,
      "Latency of calls (virtual in emit mode, real in HTTP mode), per workflow.",
      LATENCY_BUCKETS,
      registry,
      { promClientLayout: true },
    ),
    lag: new Histogram({
      name: `${p}schedule_lag_seconds`,
      help: "How far wall time ran behind the schedule when a due session was run.",
      buckets: LAG_BUCKETS,
      registers,
    }),
  };
}

/**
 * prom-client's process metrics, minus three gauges named `*_total` that `promtool check metrics` rejects
 * (their per-type siblings `nodejs_active_handles{type}`… stay, and sum() gives the totals).
 * Unprefixed (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, …): the names every
 * Node.js dashboard and alert rule already queries, as client libraries export them; `job` tells the
 * processes apart.
 */
function addProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"]) {
    registry.removeSingleMetric(`nodejs_${name}`);
  }
}

/**
 * tracewalk's metrics in one registry. Every label child is bound in the constructor, so the hot-path
 * methods are a property read and an add; hold `metrics.sink(name)` once per sink.
 */
export class Metrics {
  readonly registry: Registry;
  private readonly f: ReturnType<typeof families>;
  private readonly sinks = new Map<string, SinkMetrics>();
  private readonly readyBySink = new Map<string, boolean>();
  private readonly started: { value: number }[];
  private readonly completed: { value: number }[];
  private readonly cascades: Child[];
  private readonly latency: HistogramChild[];
  private beforeScrape: (() => void) | null = null;
  private sessionsSource: (() => number) | null = null;
  private readonly lag: HistogramChild;
  private readonly users: GaugeChild;
  private readonly sessions: GaugeChild;

  /** Registers every family in `registry` (never the global one) and binds children for the known labels. */
  constructor(registry: Registry, labels: MetricLabels, options: MetricsOptions = {}) {
    this.registry = registry;
    const f = families(
      registry,
      () => this.beforeScrape?.(),
      () => this.sessionsSource?.() ?? null,
    );
    this.f = f;
    if (options.defaultMetrics ?? true) addProcessMetrics(registry);
    const perWorkflow = <T>(fam: { labels(v: string): T }) => labels.workflows.map((w) => fam.labels(w));
    this.started = labels.workflows.map((w) => f.started.child({ workflow: w }));
    this.completed = labels.workflows.map((w) => f.completed.child({ workflow: w }));
    this.cascades = perWorkflow(f.cascades);
    this.latency = labels.workflows.map((w) => f.latency.child({ workflow: w }));
    // Start each counter child at 0 so series exist (and rate() works) before the first event.
    for (const c of this.cascades) c.inc(0);
    f.late.inc(0);
    for (const a of CONTROL_ACTIONS) f.control.labels(a).inc(0);
    for (const name of labels.cascades ?? []) {
      f.windows.labels(name).inc(0);
      f.windowsActive.labels(name).set(0);
    }
    this.lag = f.lag;
    this.users = f.users;
    this.sessions = f.sessions;
    for (const name of labels.sinks) this.sinks.set(name, this.bindSink(name));
  }

  private bindSink(name: string): SinkMetrics {
    const emitted = this.f.emitted.labels(name);
    const errors = this.f.sinkErrors.labels(name);
    const retries = this.f.sinkRetries.labels(name);
    const backlog = this.f.backlog.labels(name);
    const undelivered = this.f.undelivered.labels(name);
    const ready = this.f.sinkReady.labels(name);
    for (const c of [emitted, errors, retries, undelivered]) c.inc(0);
    backlog.set(0);
    ready.set(0);
    this.readyBySink.set(name, false);
    const readyBySink = this.readyBySink;
    return {
      emitted: (n) => emitted.inc(n),
      error: () => errors.inc(),
      retry: () => retries.inc(),
      backlog: (n) => backlog.set(n),
      undelivered: (n) => undelivered.inc(n),
      ready: (isReady) => {
        ready.set(isReady ? 1 : 0);
        readyBySink.set(name, isReady);
      },
    };
  }

  /** Runs `fn` as /metrics is read (one function; the daemon brings the sinks' progress up to date). */
  onScrape(fn: () => void): void {
    this.beforeScrape = fn;
  }

  /** The bound metrics of a sink named in the constructor; throws for an unknown name (a wiring bug). */
  sink(name: string): SinkMetrics {
    const s = this.sinks.get(name);
    if (!s) throw new Error(`metrics: unknown sink "${name}" (known: ${[...this.sinks.keys()].join(", ")})`);
    return s;
  }

  /** Whether every sink has reported ready, and which have not. */
  readiness(): Readiness {
    const notReady = [...this.readyBySink].filter(([, r]) => !r).map(([name]) => name);
    return { ready: notReady.length === 0, notReady };
  }

  /** Counts a session started by workflow index (the order given to the constructor). */
  sessionStarted(workflowIndex: number): void {
    this.started[workflowIndex]!.value++;
  }

  /** Counts a session completed by workflow index. */
  sessionCompleted(workflowIndex: number): void {
    this.completed[workflowIndex]!.value++;
  }

  /** Counts a cascade window injected into a workflow. */
  cascadeInjected(workflowIndex: number): void {
    this.cascades[workflowIndex]!.inc();
  }

  /** A window of cascade `name` opened (+1) or closed (-1). */
  cascadeWindow(name: string, delta: 1 | -1): void {
    if (delta === 1) this.f.windows.labels(name).inc();
    this.f.windowsActive.labels(name).inc(delta);
  }

  /** Records one call's latency in seconds. */
  observeLatency(workflowIndex: number, seconds: number): void {
    this.latency[workflowIndex]!.observe(seconds);
  }

  /** Records how far wall time ran behind the schedule, seconds. */
  observeLag(seconds: number): void {
    this.lag.observe(seconds);
  }

  /** Counts one action of the control API. */
  controlAction(action: ControlAction): void {
    this.f.control.labels(action).inc();
  }

  /** Counts arrivals that started late. */
  arrivalsLate(n = 1): void {
    this.f.late.inc(n);
  }

  /** Sets the number of live virtual users. */
  activeUsers(n: number): void {
    this.users.set(n);
  }

  /** Reads the sessions in progress from `fn` at each scrape (as well as when set). */
  sessionsFrom(fn: () => number): void {
    this.sessionsSource = fn;
  }

  /** Sets the number of sessions in progress. */
  activeSessions(n: number): void {
    this.sessions.set(n);
  }

  /** Sets the virtual clock, as milliseconds since the epoch (exported in seconds). */
  virtualTime(ms: number): void {
    this.f.virtualTime.set(ms / 1000);
  }

  /** Sets the clock's speed factor; `"max"` is exported as +Inf. */
  clockSpeed(speed: number | "max"): void {
    this.f.speed.set(speed === "max" ? Number.POSITIVE_INFINITY : speed);
  }
}
