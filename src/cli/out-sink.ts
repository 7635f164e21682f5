/**
 * The `--set` override that replaces the config's sinks by one output, as `--out` means for `run` and
 * `generate --config`: `-` is standard output, a `.parquet` path (or `format: parquet`) a Parquet file,
 * anything else a JSONL file. `labels` sets where its labels go (else the sink's default).
 */
export function outSinkOverride(out: string, format?: "jsonl" | "parquet", labels?: string): string {
  const labelsPart = labels === undefined ? "" : `, labels_path: ${JSON.stringify(labels)}`;
  if (out === "-") return `sinks=[{type: stdout${labelsPart}}]`;
  const type = (format ?? (/\.parquet$/i.test(out) ? "parquet" : "jsonl")) === "parquet" ? "parquet" : "file";
  return `sinks=[{type: ${type}, path: ${JSON.stringify(out)}${labelsPart}}]`;
}
