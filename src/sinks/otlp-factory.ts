import type { SinkObservers } from "../daemon/sinks.js";
import { OtlpSink, type OtlpSinkOptions } from "./otlp.js";

/** The `type: otlp` sink with its metrics and log attached (the endpoint is logged, never the headers). */
export function createOtlpSink(c: OtlpSinkOptions, { metrics, log, delivered }: SinkObservers): OtlpSink {
  const m = metrics?.sink(c.name ?? "otlp");
  const sink: OtlpSink = new OtlpSink(c, {
    onDelivered: () => {
      m?.ready(true);
      delivered?.();
    },
    onRetry: (info) => {
      m?.retry();
      m?.ready(false);
      log.warn({ sink: c.name, endpoint: sink.endpoint, ...info }, "otlp export failed; will retry");
    },
    onFatal: (err) => {
      m?.error();
      m?.ready(false);
      log.error({ sink: c.name, err: err.message }, "otlp sink stopped");
    },
  });
  return sink;
}
