import { Counter, type Registry } from "prom-client";
import { globToRegExp } from "../../cascade/modifier.js";
import type { CascadeConfig } from "../../config/cascade.js";
import { injectOf } from "../../config/cascade.js";
import type { Config } from "../../config/index.js";
import type { CascadeLabel } from "../../event/index.js";
import type { CompiledWorkflow } from "../../sim/compile.js";
import type { Timeline } from "../../sim/engine.js";
import type { ApiPolicy } from "./api.js";
import { ClientInjector } from "./client.js";
import { EnvoyInjector } from "./envoy.js";
import { type CascadeInjectors, Injection } from "./injection.js";
import { ToxiproxyInjector } from "./toxiproxy.js";
import type { Injector } from "./types.js";
import { WebhookInjector } from "./webhook.js";

export { Injection } from "./injection.js";
export type { CallPlan, InjectEntry, Injector, InjectorKind } from "./types.js";

/** Mean response time (ms) of the endpoints a cascade's scope names (all of them without a scope). */
export function scopeMeanMs(c: CascadeConfig, workflows: readonly CompiledWorkflow[]): number {
  const all = workflows.flatMap((w) => w.endpoints);
  const re = c.scope.endpoints === undefined ? undefined : globToRegExp(c.scope.endpoints);
  const some = re === undefined ? all : all.filter((e) => re.test(e.template));
  const list = some.length > 0 ? some : all;
  return list.length === 0 ? 0 : list.reduce((a, e) => a + e.meanMs, 0) / list.length;
}

/** What the injection logs through (the daemon's pino logger). */
export interface InjectLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface InjectionParts {
  workflows: readonly CompiledWorkflow[];
  registry: Registry;
  log: InjectLog;
  /** A held label record is ready (the runner writes it). */
  wake(): void;
  now?: () => number;
  policy?: ApiPolicy;
  /** Whether this process removes a killed run's toxics at start (shard 0 only). */
  removeStale?: boolean;
}

/** The injectors of one cascade, in a fixed order (client, envoy, toxiproxy, webhook). */
function injectorsOf(
  c: CascadeConfig,
  i: number,
  parts: InjectionParts,
  retried: (kind: string, why: string) => void,
): CascadeInjectors {
  const inject = injectOf(c);
  if (inject === undefined || inject === "none") return { none: true, list: [] };
  const list: Injector[] = [];
  if (inject.client) list.push(new ClientInjector());
  if (inject.envoy) list.push(new EnvoyInjector());
  if (inject.toxiproxy !== undefined) {
    list.push(
      new ToxiproxyInjector({
        config: inject.toxiproxy,
        cascade: c,
        meanMs: scopeMeanMs(c, parts.workflows),
        path: `cascades[${i}].inject.toxiproxy`,
        removeStale: parts.removeStale ?? true,
        onRetry: (why) => retried("toxiproxy", why),
        onStale: (toxics) =>
          parts.log.warn(
            { cascade: c.name, proxy: inject.toxiproxy!.proxy, toxics },
            "stale toxics removed: a run of this cascade was killed with its window open",
          ),
        ...(parts.policy === undefined ? {} : { policy: parts.policy }),
      }),
    );
  }
  if (inject.webhook !== undefined) {
    list.push(new WebhookInjector(inject.webhook, (why) => retried("webhook", why), parts.policy));
  }
  return { none: false, list };
}

/**
 * HTTP mode's injection of the cascades' faults (null in emit mode, a dry run, or without cascades),
 * with its metrics: `tracewalk_inject_failures_total{by,cascade}` and `tracewalk_inject_retries_total{by}`.
 */
export function createInjection(config: Config, parts: InjectionParts): Injection | null {
  if (config.target === undefined || config.target.dry_run || config.cascades.length === 0) return null;
  const registers = [parts.registry];
  const failures = new Counter({
    name: "tracewalk_inject_failures_total",
    help: "Injections (Toxiproxy toxics, webhook calls) that failed after their retries, by injector and cascade.",
    labelNames: ["by", "cascade"],
    registers,
  });
  const retries = new Counter({
    name: "tracewalk_inject_retries_total",
    help: "Attempts to reach an injector's API (Toxiproxy, a webhook) that failed and were retried.",
    labelNames: ["by"],
    registers,
  });
  const log = parts.log;
  const retried = (kind: string, why: string) => {
    retries.inc({ by: kind });
    log.warn({ by: kind, error: why }, "injector API call failed; retrying");
  };
  const own = { ...parts, removeStale: parts.removeStale ?? config.shard.index === 0 };
  const byCascade = new Map(config.cascades.map((c, i) => [c.name, injectorsOf(c, i, own, retried)]));
  return new Injection(byCascade, {
    writesLabels: config.shard.index === 0,
    now: parts.now ?? Date.now,
    wake: parts.wake,
    failed: (kind, w, error) => {
      failures.inc({ by: kind, cascade: w.name });
      log.error({ by: kind, cascade_id: w.cascade_id, error }, "injection failed: the label records it");
    },
  });
}

/**
 * The timeline as the engine sees it in HTTP mode: the same windows, whose label records the injection
 * completes (and holds until their injection is confirmed) on their way out.
 */
export class InjectedTimeline implements Timeline {
  private readonly buf: CascadeLabel[] = [];

  constructor(
    private readonly inner: Timeline,
    private readonly injection: Injection,
  ) {}

  peek(): number {
    return this.inner.peek();
  }

  advance(t: number, labels: CascadeLabel[]): void {
    this.inner.advance(t, this.buf);
    this.drain(labels, false);
  }

  stopAt(ms: number): void {
    this.inner.stopAt(ms);
  }

  finish(labels: CascadeLabel[]): void {
    this.inner.finish(this.buf);
    this.drain(labels, false);
  }

  cut(at: number, labels: CascadeLabel[]): void {
    this.injection.flushHeld(labels);
    this.inner.cut(at, this.buf);
    this.drain(labels, true);
  }

  private drain(labels: CascadeLabel[], now: boolean): void {
    for (const rec of this.buf) this.injection.route(rec, labels, now);
    this.buf.length = 0;
  }
}
