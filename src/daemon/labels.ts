import type { Config, SinkConfig } from "../config/index.js";
import type { Logger } from "./log.js";

/** Where one sink's label records go: a file, a topic, or nowhere. */
export interface LabelRoute {
  sink: string;
  /** `file out/events.labels.jsonl`, `topic api-calls.labels`, or `not written`. */
  labels: string;
  written: boolean;
}

/** Where each configured sink writes its cascade label records. */
export function labelRoutes(sinks: readonly SinkConfig[]): LabelRoute[] {
  return sinks.map((s) => {
    if (s.type === "kafka") return { sink: s.name, labels: `topic ${s.labels_topic}`, written: true };
    if (s.labels_path !== undefined) return { sink: s.name, labels: `file ${s.labels_path}`, written: true };
    return { sink: s.name, labels: "not written", written: false };
  });
}

/** Whether a run of this config can produce label records at all. */
export function labelsCanOccur(config: Config): boolean {
  return config.generation.cascade_rate > 0 || config.cascades.length > 0;
}

/**
 * Logs at start where each sink's labels go, and warns for each sink that drops them when labels can
 * occur: ground truth is never lost without a word.
 */
export function logLabelRoutes(config: Config, log: Logger): void {
  const routes = labelRoutes(config.sinks);
  const where = routes.map((r) => `${r.sink} -> ${r.labels}`).join("; ");
  log.info({ labels: Object.fromEntries(routes.map((r) => [r.sink, r.labels])) }, `cascade labels: ${where}`);
  if (!labelsCanOccur(config)) return;
  for (const r of routes) {
    if (!r.written) {
      log.warn(
        { sink: r.sink },
        `cascade labels are not written for sink "${r.sink}": give it labels_path to keep them`,
      );
    }
  }
}
