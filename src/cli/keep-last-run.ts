import { existsSync, renameSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "../config/index.js";
import { DEFAULT_EVENTS_PATH } from "../config/paths.js";
import type { Logger } from "../daemon/index.js";

/** A free name beside `path` stamped with `at`: `out/events.jsonl` -> `out/events.2026-01-01T10-00-00Z.jsonl`. */
function stamped(path: string, at: Date, suffix: string, taken: (p: string) => boolean): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");
  const base = path.replace(/\.jsonl$/, "");
  for (let n = 0; ; n++) {
    const name = `${base}.${stamp}${n === 0 ? "" : `-${n}`}${suffix}`;
    if (!taken(name)) return name;
  }
}

function nonEmptyFile(path: string): Date | undefined {
  try {
    const s = statSync(path);
    return s.isFile() && s.size > 0 ? s.mtime : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A daemon's default output must not destroy the last run's: before `run` (or `replay`) opens
 * `out/events.jsonl`, a non-empty one left by an earlier run is renamed to `out/events.<its last
 * write, UTC>.jsonl`, its labels file alongside (`.labels.jsonl`), and the log says so. Any other path
 * is the user's choice and is replaced, as `generate` replaces its output.
 */
export function keepLastRun(config: Config, log: Logger): void {
  for (const sink of config.sinks) {
    if (sink.type !== "file" || resolve(sink.path) !== resolve(DEFAULT_EVENTS_PATH)) continue;
    const at = nonEmptyFile(sink.path);
    if (at === undefined) continue;
    const events = stamped(sink.path, at, ".jsonl", (p) => existsSync(p));
    const labels = sink.labels_path;
    const labelsKept = nonEmptyFile(labels) !== undefined;
    const labelsTo = events.replace(/\.jsonl$/, ".labels.jsonl");
    renameSync(sink.path, events);
    if (labelsKept && !existsSync(labelsTo)) renameSync(labels, labelsTo);
    const also = labelsKept ? ` and ${labels} as ${labelsTo}` : "";
    log.info({ kept: events }, `kept the last run's ${sink.path} as ${events}${also}`);
  }
}
