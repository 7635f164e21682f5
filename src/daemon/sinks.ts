import type { SinkConfig } from "../config/index.js";
import { outSinkEntry } from "../config/out-sink.js";
import { sinkSchemas } from "../config/sinks.js";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { describeKafkaError } from "../kafka/index.js";
import { FileSink, loadSink, type Sink, StdoutSink } from "../sinks/index.js";
import type { Workflow } from "../workflow/types.js";
import type { Deadline } from "./deadline.js";
import { Latch } from "./latch.js";
import type { Logger } from "./log.js";
import type { Metrics, SinkMetrics } from "./metrics.js";

/** What a factory may report to: metrics, the log, and `delivered()` when a sink delivered asynchronously. */
export interface SinkObservers {
  metrics: Metrics | null;
  log: Logger;
  delivered?: () => void;
  /** The run's workflows, for sinks that draw on their service maps (otlp). */
  workflows?: readonly Workflow[];
  /** This process's shard (`--shard k/N`), for sinks that name the instance that wrote (otlp). */
  shard?: { index: number; count: number };
}

type Factory<T extends SinkConfig["type"]> = (
  config: Extract<SinkConfig, { type: T }>,
  o: SinkObservers,
) => Sink | Promise<Sink>;

/**
 * One factory per sink type: a new sink is one file in src/sinks plus one line here. A sink with heavy
 * dependencies (Kafka clients, Parquet) is imported by its factory, so only runs that use it load them.
 */
const factories: { [T in SinkConfig["type"]]: Factory<T> } = {
  stdout: (c) =>
    new StdoutSink(process.stdout, c.labels_path === undefined ? {} : { labels_path: c.labels_path }),
  file: (c) =>
    new FileSink({
      path: c.path,
      labels_path: c.labels_path,
      ...(c.rotate?.max_bytes === undefined ? {} : { rotate_bytes: c.rotate.max_bytes }),
      ...(c.rotate?.interval === undefined ? {} : { rotate_interval_ms: c.rotate.interval }),
    }),
  parquet: async (c) => {
    const { ParquetFileSink } = await loadSink.parquet();
    return new ParquetFileSink({
      path: c.path,
      labels_path: c.labels_path,
      row_group_size: c.row_group_size,
    });
  },
  kafka: async (c, { metrics, log, delivered }) => {
    const { createKafkaSink } = await loadSink.kafka();
    const m = metrics?.sink(c.name);
    const { type: _t, name: _n, ...options } = c;
    return createKafkaSink(options, {
      onDelivered: () => {
        m?.ready(true);
        delivered?.();
      },
      onError: (err) => {
        m?.error();
        m?.ready(false);
        log.warn({ sink: c.name, err: describeKafkaError(err) }, "kafka error; will retry");
      },
      onFatal: () => {
        m?.error();
        m?.ready(false);
      },
      onRetry: (info) => {
        m?.retry();
        log.info({ sink: c.name, ...info }, "kafka retry scheduled");
      },
    });
  },
  otlp: async (c, o) => (await loadSink.otlp()).createOtlpSink(c, o),
};

/** Builds the sink a config entry describes, importing its module first when it is a heavy one. */
export async function createSink(config: SinkConfig, observers: SinkObservers): Promise<Sink> {
  return await (factories[config.type] as Factory<SinkConfig["type"]>)(config as never, observers);
}

/**
 * The sink an offline run's `--out` names (`-`, a `.parquet` path, a JSONL path), built by the same
 * factories as a config's sinks, with no metrics and a silent log.
 */
export async function createOutSink(
  out: string,
  format: "jsonl" | "parquet",
  labels: string | undefined,
  log: Logger,
): Promise<Sink> {
  const entry = outSinkEntry(out, format, labels);
  const config = sinkSchemas[entry.type].parse(entry) as SinkConfig;
  return createSink(config, { metrics: null, log });
}

/** Events each sink accepted and had not delivered, by sink name. */
export type Undelivered = Record<string, number>;

/** The sum of an Undelivered. */
export function totalUndelivered(u: Undelivered): number {
  let n = 0;
  for (const k in u) n += u[k]!;
  return n;
}

/**
 * Every configured sink behind one face: each gets every event; a write resolves when all accepted.
 * It keeps the sinks' metrics true: `events_emitted_total` is what each sink delivered (accepted minus
 * its backlog), updated after each batch, on each Kafka delivery and at each scrape.
 */
export class SinkSet {
  private started = false;
  private readonly accepted: number[];
  private readonly delivered: number[];
  private readonly bound: (SinkMetrics | undefined)[];
  /** Fired when the shutdown stops waiting for sinks that hold a write back. */
  private readonly released = new Latch();

  constructor(
    readonly entries: readonly { name: string; sink: Sink }[],
    private readonly metrics: Metrics | null,
  ) {
    this.accepted = entries.map(() => 0);
    this.delivered = entries.map(() => 0);
    this.bound = entries.map((e) => metrics?.sink(e.name));
    metrics?.onScrape(() => this.observe());
    for (const e of entries) {
      e.sink.stopped?.then((err) => {
        this.firstStop ??= err;
      });
    }
  }

  private firstStop: Error | undefined;

  /** Resolves with the first error that stopped a sink for good (`Sink.stopped`); pending while all can go on. */
  get stopped(): Promise<Error> {
    return Promise.race(this.entries.flatMap((e) => (e.sink.stopped ? [e.sink.stopped] : [])));
  }

  /** The first error that stopped a sink for good, if any: what it held was not delivered. */
  get failure(): Error | undefined {
    return this.firstStop;
  }

  async start(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.sink.start()));
    this.started = true;
    this.readiness();
  }

  async write(events: readonly TraceEvent[]): Promise<void> {
    const n = events.length;
    const all = Promise.all(
      this.entries.map(async (e, i) => {
        this.accepted[i]! += n;
        await e.sink.write(events);
        this.sync(i);
      }),
    );
    await this.released.race(all);
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    await this.released.race(Promise.all(this.entries.map((e) => e.sink.writeLabels(labels))));
  }

  /** Whether a sink wants to hear of each window as it opens (`Sink.cascadeOpened`). */
  get observesWindows(): boolean {
    return this.entries.some((e) => e.sink.cascadeOpened !== undefined);
  }

  /** Tells the sinks that want it that a window opened (see `Sink.cascadeOpened`). */
  cascadeOpened(label: CascadeLabel): void {
    for (const e of this.entries) e.sink.cascadeOpened?.(label);
  }

  /**
   * Stops waiting for sinks at once (the shutdown cut sessions): a write or writeLabels in progress
   * resolves, and what a slow sink holds stays in its backlog, for close to flush or count.
   */
  release(): void {
    this.released.fire();
  }

  /** Which sinks cannot deliver right now, for /readyz and the sink_ready gauge. */
  readiness(): { ready: boolean; notReady: string[] } {
    const notReady: string[] = [];
    for (const e of this.entries) {
      const ok = this.started && e.sink.ready !== false;
      this.metrics?.sink(e.name).ready(ok);
      if (!ok) notReady.push(e.name);
    }
    return { ready: notReady.length === 0, notReady };
  }

  /** What each sink has accepted and not delivered, now. */
  undelivered(): Undelivered {
    const out: Undelivered = {};
    for (const e of this.entries) out[e.name] = e.sink.backlog;
    return out;
  }

  /** Brings every sink's emitted counter and backlog gauge up to date. */
  observe(): void {
    for (let i = 0; i < this.entries.length; i++) this.sync(i);
  }

  /** Brings the metrics of the sink named `name` up to date (a delivery happened). */
  observeSink(name: string): void {
    const i = this.entries.findIndex((e) => e.name === name);
    if (i >= 0) this.sync(i);
  }

  /**
   * Each sink on its own: writes `labels` (the cut sessions'), then flushes and closes, until `deadline`;
   * a sink still busy then is destroyed, and a `doomed` one at once. Returns what each could not
   * deliver, also counted in `events_undelivered_total`. Without a deadline set, flushing takes as
   * long as it takes.
   */
  async close(
    labels: readonly CascadeLabel[],
    deadline: Deadline,
    doomed: ReadonlySet<string> = new Set(),
  ): Promise<Undelivered> {
    const out: Undelivered = {};
    await Promise.all(
      this.entries.map(async (e, i) => {
        if (doomed.has(e.name)) e.sink.destroy();
        else {
          const flush = (async () => {
            if (labels.length > 0) await e.sink.writeLabels(labels);
            await e.sink.close();
          })();
          if (!(await deadline.race(flush))) e.sink.destroy();
        }
        out[e.name] = e.sink.backlog;
        this.sync(i);
        if (e.sink.backlog > 0) this.bound[i]?.undelivered(e.sink.backlog);
      }),
    );
    return out;
  }

  destroy(): void {
    for (const e of this.entries) e.sink.destroy();
  }

  private sync(i: number): void {
    const m = this.bound[i];
    if (m === undefined) return;
    const backlog = this.entries[i]!.sink.backlog;
    const delivered = this.accepted[i]! - backlog;
    if (delivered > this.delivered[i]!) {
      m.emitted(delivered - this.delivered[i]!);
      this.delivered[i] = delivered;
    }
    m.backlog(backlog);
  }
}
