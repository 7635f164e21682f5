import { statSync } from "node:fs";
import { devNull } from "node:os";

/** The daemon's default output (`npm start`, a config with no sinks). */
export const DEFAULT_EVENTS_PATH = "out/events.jsonl";

/** Where labels go when an output has no file beside it: nowhere (the null device). */
export const NO_LABELS_FILE = devNull;

/** True when `path` exists and is not a regular file: a device (`/dev/null`, `/dev/stdout`) or a pipe. */
function isSpecialFile(path: string): boolean {
  try {
    return !statSync(path).isFile();
  } catch {
    return false; // absent (it will be created as a file) or unreadable (opening it will say why)
  }
}

/**
 * The labels file beside an output file, the path without its extension plus `.labels.jsonl`:
 * `out/events.jsonl` and `out/events.parquet` -> `out/events.labels.jsonl`. The one rule: the config
 * fills sinks' `labels_path` with it, and the sinks and `generate` use it when none is given. An output
 * that is a device or a pipe has no "beside" (`/dev/null.labels.jsonl` would be a new file in /dev):
 * its labels are not written (NO_LABELS_FILE), unless a labels path is given.
 */
export function defaultLabelsPath(path: string): string {
  if (isSpecialFile(path)) return NO_LABELS_FILE;
  return path.replace(/(\.[^./]+)?$/, ".labels.jsonl");
}
