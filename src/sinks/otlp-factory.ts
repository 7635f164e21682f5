import { OtlpSink, type OtlpSinkOptions } from "./otlp.js";
import { serviceMaps } from "./otlp-spans.js";

/** What the daemon's factory hands a sink (its SinkObservers, by shape: a sink never imports the daemon). */
export interface OtlpObservers {
  metrics: { sink(name: string): { ready(ok: boolean): void; retry(): void; error(): void } } | null;
  log: { warn(o: object, msg: string): void; error(o: object, msg: string): void };
  delivered?: () => void;
  workflows?: Parameters<typeof serviceMaps>[0];
  shard?: { index: number; count: number };
}

/** The `type: otlp` sink with its metrics and log attached (the endpoint is logged, never the headers). */
export function createOtlpSink(
  c: OtlpSinkOptions,
  { metrics, log, delivered, workflows, shard }: OtlpObservers,
): OtlpSink {
  // A sharded run names each replica by its shard (`shard-k`), unless the config names it.
  const sharded = shard !== undefined && shard.count > 1 && c.service_instance_id === undefined;
  const options = sharded ? { ...c, service_instance_id: `shard-${shard.index}` } : c;
  const m = metrics?.sink(c.name ?? "otlp");
  const services = workflows === undefined ? undefined : serviceMaps(workflows);
  const sink: OtlpSink = new OtlpSink(
    options,
    {
      onDelivered: () => {
        m?.ready(true);
        delivered?.();
      },
      onRetry: (info) => {
        m?.retry();
        m?.ready(false);
        log.warn({ sink: c.name, endpoint: sink.endpoint, ...info }, "otlp export failed; will retry");
      },
      onRejected: (info) => {
        m?.error();
        log.warn({ sink: c.name, endpoint: sink.endpoint, ...info }, "otlp receiver rejected spans");
      },
      onFatal: (err) => {
        m?.error();
        m?.ready(false);
        log.error({ sink: c.name, err: err.message }, "otlp sink stopped");
      },
    },
    process.env,
    services,
  );
  return sink;
}
