import { readFile } from "node:fs/promises";
import { type Document, isNode, LineCounter, parseDocument } from "yaml";
import { cannotRead, ErrorCode, type Problem, TwError } from "../errors.js";
import { interpolate } from "./interpolate.js";
import { applyEnv, applyFlags, type ConfigFlags, didYouMean, type Origins } from "./overrides.js";
import { configErrorMap, formatPath, issueProblems, type LocatedProblem, UNKNOWN_KEY } from "./problems.js";
import { type Config, configSchema } from "./schema.js";
import { AutoShardError, resolveAutoShard } from "./shard.js";

/** Where a configuration comes from; every part is optional, and an empty call gives the defaults. */
export interface LoadConfigOptions {
  /** A YAML file; absent means defaults only. */
  file?: string;
  /** Environment for `TRACEWALK_*` overrides and `${VAR}` interpolation; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** CLI flags, which win over everything else. */
  flags?: ConfigFlags;
  /**
   * Top-level sections this command never uses (`generate --config` serves no control API): removed
   * before `${VAR}` references are read, so their variables need not be set.
   */
  unused?: readonly string[];
}

interface Parsed {
  doc?: Document;
  lines?: LineCounter;
  value: unknown;
}

function yamlProblems(file: string, doc: Document, lines: LineCounter): Problem[] {
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    const message = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
    return { path: `${file}:${pos.line}:${pos.col}`, message };
  });
}

async function readConfigFile(file: string): Promise<Parsed> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new TwError(ErrorCode.CONFIG_INVALID, cannotRead(file, "config", err), { cause: err });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TwError(ErrorCode.CONFIG_INVALID, `${file}: invalid config`, {
      problems: yamlProblems(file, doc, lines),
    });
  }
  try {
    return { doc, lines, value: doc.toJS({ maxAliasCount: 100 }) ?? {} };
  } catch (err) {
    // A document that parses but cannot become a value: an alias to no anchor, an alias bomb.
    throw new TwError(ErrorCode.CONFIG_INVALID, `${file}: invalid config`, {
      problems: [{ path: file, message: (err as Error).message.split("\n")[0] ?? "not valid YAML" }],
    });
  }
}

/** An unknown key's problem names the nearest known key, as `--set` does. */
function withHint(p: LocatedProblem, raw: unknown): LocatedProblem {
  return p.message === UNKNOWN_KEY
    ? { ...p, message: `${p.message}${didYouMean(p.at as (string | number)[], raw)}` }
    : p;
}

/** Appends where a problem came from: the variable or flag, or the file's line:col. */
function locate(
  located: LocatedProblem,
  origins: Origins,
  file: string | undefined,
  parsed: Parsed,
): Problem {
  const { at: path, ...problem } = located;
  for (let n = path.length; n > 0; n--) {
    const origin = origins.get(formatPath(path.slice(0, n)));
    if (origin) return { ...problem, message: `${problem.message} (from ${origin})` };
  }
  if (!file || !parsed.doc || !parsed.lines) return problem;
  // A missing key has no node: point at the nearest enclosing one instead.
  for (let n = path.length; n >= 0; n--) {
    const node = parsed.doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = parsed.lines.linePos(node.range[0]);
      return { ...problem, message: `${problem.message} (${file}:${pos.line}:${pos.col})` };
    }
  }
  return problem;
}

/** `shard: auto/N` becomes `k/N` before the schema, k read from the environment (config/shard.ts). */
function resolveShard(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): LocatedProblem | undefined {
  if (typeof raw.shard !== "string") return undefined;
  try {
    const auto = resolveAutoShard(raw.shard, env);
    if (auto) raw.shard = auto.shard;
    return undefined;
  } catch (err) {
    if (!(err instanceof AutoShardError)) throw err;
    delete raw.shard; // reported once, here, not again by the schema
    return { at: ["shard"], path: "shard", message: err.message };
  }
}

/** Loads and validates a config: defaults < file < `TRACEWALK_*` env < flags; throws TW_CONFIG_INVALID listing every problem. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const { file, env = process.env, flags = {}, unused = [] } = options;
  const parsed: Parsed = file ? await readConfigFile(file) : { value: {} };
  const problems: Problem[] = [];
  const origins: Origins = new Map();
  if (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
    problems.push({ path: "(root)", message: "expected a mapping of keys to values" });
    parsed.value = {};
  }
  for (const key of unused) delete (parsed.value as Record<string, unknown>)[key];
  const raw = interpolate(parsed.value, env, problems) as Record<string, unknown>;
  applyEnv(raw, env, { problems, origins });
  applyFlags(raw, flags, { problems, origins });
  const shardProblem = resolveShard(raw, env);
  if (shardProblem) problems.push(locate(shardProblem, origins, file, parsed));
  const result = configSchema.safeParse(raw, { error: configErrorMap });
  if (!result.success) {
    for (const issue of result.error.issues) {
      for (const p of issueProblems(issue)) problems.push(locate(withHint(p, raw), origins, file, parsed));
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new TwError(ErrorCode.CONFIG_INVALID, `${file ?? "config"}: invalid config`, { problems });
  }
  return result.data;
}

/** Validates an already-parsed object (e.g. from a test or another format) without env or flags. */
export function parseConfig(value: unknown, source = "config"): Config {
  const result = configSchema.safeParse(value ?? {}, { error: configErrorMap });
  if (result.success) return result.data;
  const problems = result.error.issues
    .flatMap((i) => issueProblems(i))
    .map((p) => withHint(p, value))
    .map(({ at: _, ...p }) => p);
  throw new TwError(ErrorCode.CONFIG_INVALID, `${source}: invalid config`, { problems });
}
