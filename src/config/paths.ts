/**
 * The labels file beside an output file, the path without its extension plus `.labels.jsonl`:
 * `out/events.jsonl` and `out/events.parquet` -> `out/events.labels.jsonl`. The one rule: the config
 * fills sinks' `labels_path` with it, and the sinks and `generate` use it when none is given.
 */
export function defaultLabelsPath(path: string): string {
  return path.replace(/(\.[^./]+)?$/, ".labels.jsonl");
}
