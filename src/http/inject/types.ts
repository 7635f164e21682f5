import type { CascadeWindow } from "../../cascade/plan.js";
import type { ChosenCall } from "../../sim/outcome.js";

/** Who injected a window's faults. */
export type InjectorKind = "client" | "envoy" | "toxiproxy" | "webhook";

/**
 * What one injector did for a window, as its label records say it: by what, when (`at`, ISO), whether
 * it worked, and the details of its kind (the proxy and toxics, the webhook's URL, the effects a
 * client or Envoy applies). The closed record adds when it was undone (`removed_at`).
 */
export interface InjectEntry {
  by: InjectorKind;
  at: string;
  ok: boolean;
  error?: string;
  removed_at?: string;
  [detail: string]: unknown;
}

/** What a request carries of its window: the headers it adds, a client timeout, a retry to send after it. */
export interface CallPlan {
  cascadeId: string | null;
  headers: Record<string, string>;
  /** Abort the request after this long (ms) as a client timeout; NaN: no client timeout. */
  timeoutMs: number;
  /** Re-send it this long (ms) after its response; NO_RETRY: no retry. */
  retryAfterMs: number;
}

/**
 * One injector of one cascade. A synchronous one (client, Envoy) acts on each call it touches from the
 * window's open to its close; an asynchronous one (Toxiproxy, a webhook) does its work at the open and
 * the close, and reaches calls only between the two confirmations.
 */
export interface Injector {
  readonly kind: InjectorKind;
  /** Before the run: checks (a refusal is bad input, exit 2) and cleanup of what a killed run left. */
  start?(): Promise<void>;
  /** The window opens: resolves, once done or given up (never rejects), with what was done. */
  open(w: CascadeWindow, now: () => number): InjectEntry | Promise<InjectEntry>;
  /** The window closes (or the run ends): undoes the open; resolves with the instant it was undone (or null). */
  close?(w: CascadeWindow, now: () => number): Promise<{ at: number; error?: string }>;
  /** A touched call is about to be sent in window `w`: what this injector does to it (per-call kinds). */
  touch?(w: CascadeWindow, call: ChosenCall, plan: CallPlan): void;
  /** Whether it reaches every call through it whatever the scope (a proxy), not only the touched ones. */
  readonly reachesAll: boolean;
  /** Whether it acts from the window's planned open without waiting for an outside confirmation. */
  readonly synchronous: boolean;
}
