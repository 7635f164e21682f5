import type { CascadeWindow } from "../../cascade/plan.js";
import type { InjectConfig } from "../../config/cascade.js";
import { type ApiPolicy, callApi, DEFAULT_API_POLICY, safeUrl } from "./api.js";
import type { InjectEntry, Injector } from "./types.js";

type WebhookConfig = NonNullable<InjectConfig["webhook"]>;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An outside fault injector (a chaos platform, a runbook bot) told of each window: a POST of
 * `{cascade_id, state: open|closed, start, end, scope, effects}` at its open and its close, each
 * bounded and retried. A 2xx confirms it; the window reaches its touched calls between the two.
 */
export class WebhookInjector implements Injector {
  readonly kind = "webhook";
  readonly reachesAll = false;
  readonly synchronous = false;
  private readonly policy: ApiPolicy;

  constructor(
    private readonly config: WebhookConfig,
    private readonly onRetry?: (why: string) => void,
    policy?: ApiPolicy,
  ) {
    this.policy = policy ?? DEFAULT_API_POLICY;
  }

  async open(w: CascadeWindow, now: () => number): Promise<InjectEntry> {
    const error = await this.post(w, "open");
    return {
      by: "webhook",
      url: safeUrl(this.config.url),
      at: iso(now()),
      ok: error === null,
      ...(error === null ? {} : { error }),
    };
  }

  async close(w: CascadeWindow, now: () => number): Promise<{ at: number; error?: string }> {
    const error = await this.post(w, "closed");
    return error === null ? { at: now() } : { at: now(), error };
  }

  /** Posts the window's state; returns null once a 2xx confirmed it, or why it failed. */
  private async post(w: CascadeWindow, state: "open" | "closed"): Promise<string | null> {
    const body = JSON.stringify({
      cascade_id: w.cascade_id,
      name: w.name,
      state,
      start: iso(w.start),
      end: iso(w.end),
      scope: w.scope,
      effects: w.effects,
    });
    try {
      const res = await callApi(
        this.config.url,
        { method: "POST", headers: { ...this.config.headers, "content-type": "application/json" }, body },
        this.policy,
        this.onRetry,
      );
      return res.status >= 200 && res.status < 300 ? null : `${state}: HTTP ${res.status}`;
    } catch (err) {
      return `${state}: ${(err as Error).message.replace(this.config.url, safeUrl(this.config.url))}`;
    }
  }
}
