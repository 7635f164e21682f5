import type { SinkConfig } from "../config/index.js";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { FileSink } from "../sinks/file.js";
import { createKafkaSink } from "../sinks/kafka.js";
import { describeKafkaError } from "../sinks/kafka-errors.js";
import { ParquetFileSink } from "../sinks/parquet.js";
import { StdoutSink } from "../sinks/stdout.js";
import type { Sink } from "../sinks/types.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

type Factory<T extends SinkConfig["type"]> = (
  config: Extract<SinkConfig, { type: T }>,
  metrics: Metrics | null,
  log: Logger,
) => Sink;

/** One factory per sink type: a new sink is one file in src/sinks plus one line here. */
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
  parquet: (c) =>
    new ParquetFileSink({ path: c.path, labels_path: c.labels_path, row_group_size: c.row_group_size }),
  kafka: (c, metrics, log) => {
    const m = metrics?.sink(c.name);
    const { type: _t, name: _n, ...options } = c;
    return createKafkaSink(options, {
      onDelivered: () => m?.ready(true),
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
};

/** Builds the sink a config entry describes. */
export function createSink(config: SinkConfig, metrics: Metrics | null, log: Logger): Sink {
  return (factories[config.type] as Factory<SinkConfig["type"]>)(config as never, metrics, log);
}

/** Every configured sink behind one face: each gets every event; a write resolves when all accepted. */
export class SinkSet {
  constructor(
    readonly entries: readonly { name: string; sink: Sink }[],
    private readonly metrics: Metrics | null,
  ) {
    for (const e of entries) {
      e.sink.stopped?.then((err) => {
        this.firstStop ??= err;
      });
    }
  }

  private started = false;
  private firstStop: Error | undefined;

  /** Resolves with the first error that stopped a sink for good (`Sink.stopped`); pending while all can go on. */
  get stopped(): Promise<Error> {
    return Promise.race(this.entries.flatMap((e) => (e.sink.stopped ? [e.sink.stopped] : [])));
  }

  async start(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.sink.start()));
    this.started = true;
    this.readiness();
  }

  async write(events: readonly TraceEvent[]): Promise<void> {
    await Promise.all(
      this.entries.map(async (e) => {
        await e.sink.write(events);
        this.metrics?.sink(e.name).emitted(events.length);
      }),
    );
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

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    await Promise.all(this.entries.map((e) => e.sink.writeLabels(labels)));
  }

  async close(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.sink.close()));
    // A sink that stopped for good (before or while flushing) did not deliver what it held: say so.
    if (this.firstStop) throw this.firstStop;
  }

  destroy(): void {
    for (const e of this.entries) e.sink.destroy();
  }
}
