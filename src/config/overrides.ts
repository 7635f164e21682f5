import type { Problem } from "../errors.js";
import { closest } from "./closest.js";
import { formatPath } from "./problems.js";
import { baseConfigSchema } from "./schema.js";
import { coerceText, keysAt, schemasAt, setIn } from "./walk.js";

/** Prefix of environment overrides; `__` separates nesting levels, e.g. `TRACEWALK_CLOCK__SPEED=max`. */
export const ENV_PREFIX = "TRACEWALK_";

/** Applies to the `brokers` of every kafka sink, e.g. `TRACEWALK_KAFKA_BROKERS=a:9092,b:9092`. */
export const ENV_KAFKA_BROKERS = "TRACEWALK_KAFKA_BROKERS";

/** CLI flags that override the config; each one maps to one or two keys. */
export interface ConfigFlags {
  seed?: number | string;
  /** `--workflow PRESET|FILE` (repeatable): replaces `workflows` with these, weight 1 each. */
  workflow?: string | readonly string[];
  speed?: number | string;
  start?: string;
  duration?: number | string;
  shard?: string;
  /** `--metrics-addr HOST:PORT` (or `:PORT`). */
  metricsAddr?: string;
  logLevel?: string;
  /** `--target URL`: HTTP mode's `target.url`, named as the flag in problems. */
  target?: string;
  /** `--allow-host HOST` (repeatable): `target.allow_hosts`. */
  allowHost?: readonly string[];
  /** `--dry-run`: `target.dry_run`. */
  dryRun?: boolean;
  /** Generic `key.path=value` overrides, e.g. `load.arrival_rate=20` or `sinks.0.topic=t`. */
  set?: readonly string[];
}

/** Where each overridden path came from, so that problems can name the variable or flag. */
export type Origins = Map<string, string>;

type Segs = (string | number)[];

// Keys that would reach Object.prototype when set; no config key has these names.
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function toSegments(parts: readonly string[]): Segs {
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** ` (did you mean "key"?)` when a known key is near the last segment of `path` in `raw`, else "". */
export function didYouMean(path: readonly (string | number)[], raw: unknown): string {
  const parentPath = path.slice(0, -1);
  let parent: unknown = raw;
  for (const seg of parentPath) parent = (parent as Record<string | number, unknown> | undefined)?.[seg];
  const hint = closest(String(path.at(-1)), keysAt(baseConfigSchema, parentPath, parent));
  return hint ? ` (did you mean "${hint}"?)` : "";
}

/** Sets one override after checking that the schema knows its path; otherwise records a problem. */
function applyOne(raw: Record<string, unknown>, path: Segs, text: string, origin: string, acc: Acc): void {
  if (path.some((seg) => FORBIDDEN.has(String(seg)))) {
    acc.problems.push({ path: origin, message: `no config key "${formatPath(path)}"` });
    return;
  }
  const targets = schemasAt(baseConfigSchema, path);
  if (targets.length === 0) {
    let known = 0;
    while (known < path.length && schemasAt(baseConfigSchema, path.slice(0, known + 1)).length > 0) known++;
    const suffix = didYouMean(path.slice(0, known + 1), raw);
    acc.problems.push({ path: origin, message: `no config key "${formatPath(path)}"${suffix}` });
    return;
  }
  let value: unknown;
  try {
    value = coerceText(text, targets);
  } catch (err) {
    // Text that opens a YAML list or map (`[`, `{`) but is none: the variable or flag is named.
    const why = ((err as Error).message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    acc.problems.push({ path: origin, message: `${formatPath(path)}: not a valid YAML value (${why})` });
    return;
  }
  setIn(raw, path, value);
  acc.origins.set(formatPath(path), origin);
}

interface Acc {
  problems: Problem[];
  origins: Origins;
}

/**
 * Applies `TRACEWALK_*` variables. A variable whose first segment is not a top-level key is ignored
 * (Kubernetes injects `TRACEWALK_PORT`, `TRACEWALK_SERVICE_HOST`… for a service named tracewalk).
 */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, acc: Acc): void {
  const topLevel = new Set(Object.keys(baseConfigSchema.shape));
  const names = Object.keys(env)
    .filter((k) => k.startsWith(ENV_PREFIX) && k !== ENV_KAFKA_BROKERS)
    .sort();
  for (const name of names) {
    const path = toSegments(name.slice(ENV_PREFIX.length).toLowerCase().split("__"));
    if (!topLevel.has(String(path[0]))) continue;
    applyOne(raw, path, env[name] ?? "", name, acc);
  }
  const brokers = env[ENV_KAFKA_BROKERS];
  if (brokers !== undefined && Array.isArray(raw.sinks)) {
    raw.sinks.forEach((sink: unknown, i) => {
      if (sink && typeof sink === "object" && (sink as { type?: unknown }).type === "kafka") {
        applyOne(raw, ["sinks", i, "brokers"], brokers, ENV_KAFKA_BROKERS, acc);
      }
    });
  }
}

function splitAddr(addr: string): [string | undefined, string] {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr.trim());
  if (!m) return [undefined, ""];
  const host = m[1] ?? m[2];
  return [host === "" ? undefined : host, m[3]!];
}

/** `--start now` is the current instant (whole milliseconds, as the log then shows it); else as given. */
export function startInstant(text: string | undefined, now = Date.now()): string | undefined {
  return text?.trim().toLowerCase() === "now" ? new Date(now).toISOString() : text;
}

/** Applies CLI flags, which win over the file and the environment. */
export function applyFlags(raw: Record<string, unknown>, flags: ConfigFlags, acc: Acc): void {
  const scalar: [keyof ConfigFlags, Segs][] = [
    ["seed", ["seed"]],
    ["speed", ["clock", "speed"]],
    ["start", ["clock", "start"]],
    ["duration", ["clock", "duration"]],
    ["shard", ["shard"]],
    ["logLevel", ["log", "level"]],
  ];
  for (const [flag, path] of scalar) {
    const v = flag === "start" ? startInstant(flags.start) : flags[flag];
    if (v !== undefined)
      applyOne(raw, path, String(v), `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, acc);
  }
  if (flags.workflow !== undefined) {
    const list = typeof flags.workflow === "string" ? [flags.workflow] : [...flags.workflow];
    raw.workflows = list.map((w) => (/[/\\]|\.(ya?ml|json)$/i.test(w) ? { file: w } : { preset: w }));
    acc.origins.set("workflows", "--workflow");
  }
  if (flags.metricsAddr !== undefined) applyMetricsAddr(raw, flags.metricsAddr, acc);
  applyTargetFlags(raw, flags, acc);
  for (const assignment of flags.set ?? []) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) {
      acc.problems.push({ path: "--set", message: `expected key.path=value, got "${assignment}"` });
      continue;
    }
    const path = toSegments(assignment.slice(0, eq).trim().split("."));
    applyOne(raw, path, assignment.slice(eq + 1), `--set ${assignment.slice(0, eq)}`, acc);
  }
}

/** The target flags set their keys as `--set` would, but a problem with one names the flag. */
function applyTargetFlags(raw: Record<string, unknown>, flags: ConfigFlags, acc: Acc): void {
  // Verbatim, not read as YAML: a URL is a string whatever it looks like.
  const target = (): Record<string, unknown> => {
    if (raw.target === null || typeof raw.target !== "object") raw.target = {};
    return raw.target as Record<string, unknown>;
  };
  if (flags.target !== undefined) {
    target().url = flags.target;
    acc.origins.set("target.url", "--target");
  }
  if (flags.allowHost !== undefined) {
    target().allow_hosts = [...flags.allowHost];
    acc.origins.set("target.allow_hosts", "--allow-host");
  }
  if (flags.dryRun === true) {
    target().dry_run = true;
    acc.origins.set("target.dry_run", "--dry-run");
  }
}

function applyMetricsAddr(raw: Record<string, unknown>, addr: string, acc: Acc): void {
  const [host, port] = splitAddr(addr);
  if (port === "") {
    acc.problems.push({ path: "--metrics-addr", message: `expected HOST:PORT or :PORT, got "${addr}"` });
    return;
  }
  if (host !== undefined) applyOne(raw, ["metrics", "host"], host, "--metrics-addr", acc);
  applyOne(raw, ["metrics", "port"], port, "--metrics-addr", acc);
}
