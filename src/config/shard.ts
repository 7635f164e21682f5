// `shard: auto/N` lets each of N replicas find its own k: a StatefulSet or an indexed Job runs one
// manifest N times, and each pod knows its index only from its environment.

/** Where a replica's index is read from, first found wins. */
export const SHARD_INDEX_SOURCES = [
  // Set by Kubernetes in every pod of an indexed Job (completionMode: Indexed).
  "JOB_COMPLETION_INDEX",
  // A StatefulSet pod's `apps.kubernetes.io/pod-index` label, passed through the downward API.
  "POD_INDEX",
  // A StatefulSet pod's host name is `<name>-<ordinal>`.
  "HOSTNAME",
] as const;

/** A resolved `auto/N`: the `k/N` text and where k came from. */
export interface AutoShard {
  shard: string;
  source: string;
}

const AUTO = /^auto\/(.*)$/;
const ORDINAL = /-(\d+)$/;

/** Thrown for an `auto/N` that cannot be resolved; the message says what is wrong and what to set. */
export class AutoShardError extends Error {}

function indexFrom(env: NodeJS.ProcessEnv): { index: number; source: string } {
  for (const name of SHARD_INDEX_SOURCES) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (name === "HOSTNAME") {
      const m = ORDINAL.exec(value);
      if (m) return { index: Number(m[1]), source: `HOSTNAME=${value}` };
      continue;
    }
    if (!/^\d+$/.test(value))
      throw new AutoShardError(`${name}="${value}" is not a replica index (0, 1, 2…)`);
    return { index: Number(value), source: `${name}=${value}` };
  }
  const host = env.HOSTNAME ? ` (HOSTNAME is "${env.HOSTNAME}")` : "";
  throw new AutoShardError(
    `"auto/N" needs this replica's index: JOB_COMPLETION_INDEX (indexed Job), POD_INDEX (the pod-index label through the downward API) or a HOSTNAME ending in -<ordinal> (StatefulSet)${host}`,
  );
}

/**
 * Resolves `auto/N` to `k/N`, k read from the environment (see SHARD_INDEX_SOURCES); returns null for
 * any other text (left to the schema). Throws AutoShardError when N or k is missing or out of range.
 */
export function resolveAutoShard(text: string, env: NodeJS.ProcessEnv): AutoShard | null {
  const m = AUTO.exec(text.trim());
  if (!m) return null;
  if (!/^\d+$/.test(m[1]!) || Number(m[1]) < 1) {
    throw new AutoShardError(`expected "auto/N" with N >= 1 replicas, got "${text}"`);
  }
  const count = Number(m[1]);
  const { index, source } = indexFrom(env);
  if (index >= count) {
    throw new AutoShardError(
      `replica index ${index} (from ${source}) is not below N = ${count}: N must be the number of replicas`,
    );
  }
  return { shard: `${index}/${count}`, source };
}

/** Parses `k/N` (0 <= k < N); returns null when the text is not one. */
export function parseShard(text: string): { index: number; count: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index < count ? { index, count } : null;
}
