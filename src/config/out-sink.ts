/** The sink entry `--out` stands for: `-` standard output, a Parquet file, or a JSONL file. */
export type OutSinkEntry =
  | { type: "stdout"; labels_path?: string }
  | { type: "file" | "parquet"; path: string; labels_path?: string };

/**
 * The one sink an output names, as `--out` means for `run`, `generate` and `generate --config`: `-` is
 * standard output, a `.parquet` path (or `format: parquet`) a Parquet file, anything else a JSONL file.
 * `labels` sets where its labels go (else the sink's default).
 */
export function outSinkEntry(out: string, format?: "jsonl" | "parquet", labels?: string): OutSinkEntry {
  const labelsPart = labels === undefined ? {} : { labels_path: labels };
  if (out === "-") return { type: "stdout", ...labelsPart };
  const type = (format ?? (/\.parquet$/i.test(out) ? "parquet" : "jsonl")) === "parquet" ? "parquet" : "file";
  return { type, path: out, ...labelsPart };
}

/** The `--set` override that replaces the config's sinks by the one `outSinkEntry` gives. */
export function outSinkOverride(out: string, format?: "jsonl" | "parquet", labels?: string): string {
  return `sinks=[${JSON.stringify(outSinkEntry(out, format, labels))}]`;
}
