import type { SinkConfig } from "../config/index.js";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { FileSink } from "../sinks/file.js";
import { StdoutSink } from "../sinks/stdout.js";
import type { Sink } from "../sinks/types.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

type Factory<T extends SinkConfig["type"]> = (
  config: Extract<SinkConfig, { type: T }>,
  metrics: Metrics | null,
  log: Logger,
) => Sink | Promise<Sink>;

/**
 * One factory per sink type: a new sink is one file in src/sinks plus one line here. A sink with heavy
 * dependencies (Kafka clients, Parquet) is imported by its factory, so only runs that use it load them.
 */
const factories: { [T in SinkConfig["type"]]: Factory<T> } = {
  stdout: () => new StdoutSink(),
  file: (c) =>
    new FileSink({
      path: c.path,
      labels_path: c.labels_path,
      ...(c.rotate?.max_bytes === undefined ? {} : { rotate_bytes: c.rotate.max_bytes }),
      ...(c.rotate?.interval === undefined ? {} : { rotate_interval_ms: c.rotate.interval }),
    }),
  parquet: async (c) => {
    const { ParquetFileSink } = await import("../sinks/parquet.js");
    return new ParquetFileSink({ path: c.path, row_group_size: c.row_group_size });
  },
  kafka: async (c, metrics, log) => {
    const { createKafkaSink } = await import("../sinks/kafka.js");
    const m = metrics?.sink(c.name);
    const { type: _t, name: _n, ...options } = c;
    return createKafkaSink(options, {
      onDelivered: () => m?.ready(true),
      onError: (err) => {
        m?.error();
        m?.ready(false);
        log.warn({ sink: c.name, err: (err as Error)?.message ?? String(err) }, "kafka error; will retry");
      },
      onRetry: (info) => {
        m?.retry();
        log.info({ sink: c.name, ...info }, "kafka retry scheduled");
      },
    });
  },
};

/** Builds the sink a config entry describes, importing its module first when it is a heavy one. */
export async function createSink(config: SinkConfig, metrics: Metrics | null, log: Logger): Promise<Sink> {
  return await (factories[config.type] as Factory<SinkConfig["type"]>)(config as never, metrics, log);
}

/** Every configured sink behind one face: each gets every event; a write resolves when all accepted. */
export class SinkSet {
  constructor(
    readonly entries: readonly { name: string; sink: Sink }[],
    private readonly metrics: Metrics | null,
  ) {}

  private started = false;

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
  }

  destroy(): void {
    for (const e of this.entries) e.sink.destroy();
  }
}
