import type { CascadeTimeline } from "../cascade/timeline.js";
import type { Config } from "../config/index.js";
import { DryRunOutcome } from "../http/dry-run.js";
import type { Injection } from "../http/inject/index.js";
import { RecordedLabels, RecordedOutcome } from "../replay/outcome.js";
import type { GenerationOptions } from "../sim/options.js";
import { rulesSource, type SourceOutcome } from "./assemble.js";
import type { VirtualClock } from "./clock.js";
import type { HttpMetrics } from "./http-metrics.js";

/** What an outcome source is built from. */
export interface OutcomeContext {
  config: Config;
  gen: GenerationOptions;
  timeline: CascadeTimeline | null;
  clock: VirtualClock;
  http: HttpMetrics | null;
  /** HTTP mode's injectors: which window reaches a call about to be sent, and what it does to it. */
  injection: Injection | null;
  /** The session source keeps every session it starts (a replay): never drop an arrival. */
  keepsEverySession: boolean;
}

/** An outcome source, built: how calls complete, and what it owns. */
export interface BuiltOutcome extends SourceOutcome {
  /** HTTP mode: requests completed so far. */
  requests?: () => number;
  close?: () => Promise<void>;
}

/** Makes an outcome source from the run's parts. */
export type MakeOutcome = (c: OutcomeContext) => BuiltOutcome;

/**
 * One kind of outcome source: whether it runs in real time (HTTP mode's clock), and its maker, whose
 * modules `load` imports. The builder awaits `load` before the run's clock starts: an import after it
 * would hold the first call back while the calls after it keep to the clock (a replay's first request
 * went out ~65 ms late, the spacing to the next one short by as much).
 */
export interface OutcomeKind {
  realTime: boolean;
  load(): Promise<MakeOutcome>;
}

const ready = (make: MakeOutcome) => () => Promise.resolve(make);

/**
 * HTTP mode. Its client (undici and tracewalk's own HTTP/1.1 pool) is imported when a run has a
 * target, so that a run into Kafka or files does not load it (~90 ms of CPU at start-up).
 */
async function loadHttp(): Promise<MakeOutcome> {
  const { HttpOutcome } = await import("../http/http-outcome.js");
  return (c) => http(HttpOutcome, c);
}

function http(
  HttpOutcome: typeof import("../http/http-outcome.js").HttpOutcome,
  c: OutcomeContext,
): BuiltOutcome {
  const t = c.config.target!;
  const { clock, injection } = c;
  const target = new HttpOutcome({
    target: t,
    // A replay keeps every recorded session; the open model drops arrivals the target cannot take.
    dropWhenBusy: !c.keepsEverySession && c.config.load.model === "open",
    virtualNow: () => {
      const now = clock.virtualNow();
      return Number.isFinite(now) ? now : Number.NaN;
    },
    ...(injection === null ? {} : { inject: injection }),
    ...(c.http === null ? {} : { observer: c.http }),
  });
  return { outcome: target, requests: () => target.requests, close: () => target.close() };
}

/**
 * The outcome sources by kind. Each is wrapped by the builder in the same modifier chain; a source
 * that completes a call later (HTTP: the real response) is not changed by it. A new kind is one entry.
 */
export const OUTCOME_KINDS = {
  rules: { realTime: false, load: ready(rulesSource) },
  recorded: {
    realTime: false,
    load: ready(() => ({ outcome: new RecordedOutcome(), after: [new RecordedLabels()] })),
  },
  http: { realTime: true, load: loadHttp },
  "dry-run": {
    realTime: true,
    load: ready((c) => ({ outcome: new DryRunOutcome(c.config.target!.url, c.config.target!.headers) })),
  },
} satisfies Record<string, OutcomeKind>;

export type OutcomeKindName = keyof typeof OUTCOME_KINDS;

/** Which outcome source a config asks for, given the session source's own (rules or recorded). */
export function outcomeKindOf(config: Config, offline: OutcomeKindName): OutcomeKindName {
  const t = config.target;
  return t === undefined ? offline : t.dry_run ? "dry-run" : "http";
}
