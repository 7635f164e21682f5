import type { Config, SinkConfig } from "../config/index.js";
import { NO_LABELS_FILE } from "../config/paths.js";
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
    if (s.labels_path !== undefined && s.labels_path !== NO_LABELS_FILE)
      return { sink: s.name, labels: `file ${s.labels_path}`, written: true };
    return { sink: s.name, labels: "not written", written: false };
  });
}

/** Why a file sink keeps no labels: its output is a device or a pipe, with no file beside it. */
function deviceNote(config: Config, sink: string): string {
  const s = config.sinks.find((x) => x.name === sink);
  return s !== undefined && "path" in s && s.labels_path === NO_LABELS_FILE
    ? ` (${s.path} is not a regular file, so no labels file goes beside it)`
    : "";
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
        `cascade labels are not written for sink "${r.sink}"${deviceNote(config, r.sink)}: give it labels_path to keep them`,
      );
    }
  }
}
