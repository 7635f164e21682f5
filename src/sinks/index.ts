/**
 * The sinks stage's public face: the `Sink` contract, the light sinks (file, stdout) and the event
 * encoders. Sinks with heavy dependencies (Parquet, Kafka, OTLP) are loaded by `loadSink` only when a
 * config names them, so that a run without them never loads their libraries.
 */
export { FileSink, type FileSinkOptions, TextFile } from "./file.js";
export { eventsToJsonl, eventToJson } from "./jsonl.js";
export { JsonlEncoder } from "./jsonl-encoder.js";
export { traceparentOf } from "./otlp-ids.js";
export { OutputClosed, StdoutSink, type StdoutSinkOptions } from "./stdout.js";
export type { Sink } from "./types.js";

/** The sinks with heavy dependencies, each loaded on first use. */
export const loadSink = {
  parquet: () => import("./parquet.js"),
  kafka: () => import("./kafka.js"),
  otlp: () => import("./otlp-factory.js"),
} as const;
