import type { CascadeWindow } from "../../cascade/plan.js";
import type { CascadeConfig, InjectConfig } from "../../config/cascade.js";
import { ErrorCode, TwError } from "../../errors.js";
import { type ApiPolicy, callApi, DEFAULT_API_POLICY, safeUrl } from "./api.js";
import type { InjectEntry, Injector } from "./types.js";

type ToxiproxyConfig = NonNullable<InjectConfig["toxiproxy"]>;
type ToxicConfig = NonNullable<ToxiproxyConfig["toxics"]>[number];

/** A toxic as Toxiproxy's API takes and lists it. */
export interface Toxic {
  name: string;
  type: string;
  stream: "upstream" | "downstream";
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ToxiproxyOptions {
  config: ToxiproxyConfig;
  cascade: CascadeConfig;
  /** Mean response time (ms) of the endpoints the cascade's scope names: the base a `slow` factor scales. */
  meanMs: number;
  /** Where in the config it sits, for refusals: `cascades[0].inject.toxiproxy`. */
  path: string;
  policy?: ApiPolicy;
  /** An attempt failed and is retried (counted and logged by the owner). */
  onRetry?(why: string): void;
  /** `start` removed toxics of this cascade that a killed run left (logged by the owner). */
  onStale?(names: string[]): void;
  /**
   * Whether `start` removes such toxics (default true). Other shards leave them: what they find may be
   * a live window of another shard, not a killed run's.
   */
  removeStale?: boolean;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The toxics a window adds, named `<cascade_id>-<n>`: the configured ones, or the effects mapped —
 * `slow` to a `latency` toxic (the endpoints' mean times the factor's midpoint, minus the mean, with
 * half the factor's spread as jitter), `timeout` to a `timeout` toxic, `unavailable` to `reset_peer`
 * — each with its probability as toxicity (a probability of 0 adds none).
 */
export function toxicsFor(
  w: Pick<CascadeWindow, "cascade_id" | "effects">,
  configured: readonly ToxicConfig[] | undefined,
  meanMs: number,
): Toxic[] {
  const base: Omit<Toxic, "name">[] =
    configured?.map((t) => ({ ...t, attributes: { ...t.attributes } })) ?? [];
  if (configured === undefined) {
    const e = w.effects;
    const [lo, hi] = e.slow.factor;
    if (e.slow.probability > 0) {
      base.push({
        type: "latency",
        stream: "downstream",
        toxicity: round(e.slow.probability),
        attributes: {
          latency: Math.round(meanMs * ((lo + hi) / 2 - 1)),
          jitter: Math.round((meanMs * (hi - lo)) / 2),
        },
      });
    }
    if (e.timeout.probability > 0) {
      base.push({
        type: "timeout",
        stream: "downstream",
        toxicity: round(e.timeout.probability),
        attributes: { timeout: Math.round(e.timeout.after) },
      });
    }
    if (e.unavailable.probability > 0) {
      base.push({
        type: "reset_peer",
        stream: "downstream",
        toxicity: round(e.unavailable.probability),
        attributes: { timeout: 0 },
      });
    }
  }
  return base.map((t, n) => ({ name: `${w.cascade_id}-${n}`, ...t }));
}

/**
 * Shopify/toxiproxy (v2 HTTP API) in front of the target: a window's toxics are added to the proxy at
 * its open and removed at its close. A proxy slows every call through it, so every call sent while
 * they are in place is reached, whatever the scope says.
 */
export class ToxiproxyInjector implements Injector {
  readonly kind = "toxiproxy";
  readonly reachesAll = true;
  readonly synchronous = false;
  private readonly base: string;
  private readonly policy: ApiPolicy;
  /** Toxics added and not yet removed, by window. */
  private readonly added = new Map<string, Toxic[]>();

  constructor(private readonly o: ToxiproxyOptions) {
    this.base = `${o.config.url.replace(/\/+$/, "")}/proxies/${encodeURIComponent(o.config.proxy)}`;
    this.policy = o.policy ?? DEFAULT_API_POLICY;
  }

  /** Refuses a proxy that does not exist (exit 2) and removes this cascade's toxics a killed run left. */
  async start(): Promise<void> {
    const where = `${this.o.path}.proxy`;
    let res: Awaited<ReturnType<typeof callApi>>;
    try {
      res = await this.api("GET", this.base);
    } catch (err) {
      throw new TwError(
        ErrorCode.CONFIG_INVALID,
        `${where}: Toxiproxy unreachable: ${(err as Error).message}`,
      );
    }
    if (res.status === 404) {
      throw new TwError(
        ErrorCode.CONFIG_INVALID,
        `${where}: no proxy "${this.o.config.proxy}" at ${safeUrl(this.o.config.url)} (create it first)`,
      );
    }
    if (res.status !== 200) {
      throw new TwError(ErrorCode.CONFIG_INVALID, `${where}: Toxiproxy answered HTTP ${res.status}`);
    }
    const proxy = JSON.parse(res.body) as { toxics?: { name: string }[] };
    const mine = new RegExp(`^${escapeRe(this.o.cascade.name)}-t?\\d+([.-]|$)`);
    const stale =
      this.o.removeStale === false ? [] : (proxy.toxics ?? []).map((t) => t.name).filter((n) => mine.test(n));
    try {
      for (const name of stale) await this.remove(name);
    } catch (err) {
      throw new TwError(
        ErrorCode.CONFIG_INVALID,
        `${where}: cannot remove stale toxics: ${(err as Error).message}`,
      );
    }
    if (stale.length > 0) this.o.onStale?.(stale);
  }

  async open(w: CascadeWindow, now: () => number): Promise<InjectEntry> {
    const toxics = toxicsFor(w, this.o.config.toxics, this.o.meanMs);
    const entry: InjectEntry = {
      by: "toxiproxy",
      at: "",
      ok: true,
      url: safeUrl(this.o.config.url),
      proxy: this.o.config.proxy,
      toxics,
    };
    const done: Toxic[] = [];
    this.added.set(w.cascade_id, done);
    try {
      for (const t of toxics) {
        const res = await this.api("POST", `${this.base}/toxics`, JSON.stringify(t));
        // 409: it exists already (an earlier attempt that timed out reached it).
        if (res.status !== 200 && res.status !== 409)
          throw new Error(`HTTP ${res.status}: ${res.body.trim()}`);
        done.push(t);
      }
    } catch (err) {
      entry.ok = false;
      entry.error = `adding toxics: ${(err as Error).message}`;
    }
    entry.at = new Date(now()).toISOString();
    return entry;
  }

  async close(w: CascadeWindow, now: () => number): Promise<{ at: number; error?: string }> {
    const done = this.added.get(w.cascade_id) ?? [];
    this.added.delete(w.cascade_id);
    const errors: string[] = [];
    for (const t of done) {
      try {
        await this.remove(t.name);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return errors.length === 0
      ? { at: now() }
      : { at: now(), error: `removing toxics: ${errors.join("; ")}` };
  }

  private async remove(name: string): Promise<void> {
    const res = await this.api("DELETE", `${this.base}/toxics/${encodeURIComponent(name)}`);
    // 404: gone already (an earlier attempt that timed out removed it).
    if (res.status !== 204 && res.status !== 200 && res.status !== 404) throw new Error(`HTTP ${res.status}`);
  }

  private api(method: string, url: string, body?: string) {
    return callApi(
      url,
      { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body }) },
      this.policy,
      (why) => this.o.onRetry?.(why),
    );
  }
}
