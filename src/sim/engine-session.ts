import type { TraceEvent } from "../event/index.js";
import type { Scheduled } from "./heap.js";
import type { ChosenCall, Outcome } from "./outcome.js";
import type { EventParts } from "./session.js";
import type { SessionCascadeRun } from "./session-cascade.js";
import type { TimestampFormatter } from "./timefmt.js";

/** A session about to start: who, which of their sessions, when, and with which workflow. */
export interface Arrival {
  user: number;
  session: number;
  at: number;
  workflow: number;
  /** Uniform in [0, 1) that picks the user's type from the workflow's distribution. */
  typeU: number;
  /** The user's last session (by start), when the arrival source knows: its end counts the user done. */
  last?: boolean;
}

/**
 * What the engine and the outcome stage need of a session, whatever makes its calls: a walk of a
 * workflow (`Session`) or a recording (`RecordedSessionRun` in src/replay). The engine schedules it by
 * (due, order), asks it for the call due now, has an outcome source complete that call, then hands the
 * outcome back for the session to make its event and move `due` on.
 */
export interface EngineSession extends Scheduled {
  readonly arrival: Arrival;
  /** The workflow name its events carry (a cascade's `scope.workflows` matches it). */
  readonly workflowName: string;
  readonly userType: string;
  readonly userId: string;
  readonly sessionId: string;
  /** The per-session cascade touching this session, or null; set by its modifier at start. */
  cascade: SessionCascadeRun | null;
  /** True once every call (and retry) has been completed. */
  readonly done: boolean;
  /** How many calls (retries not counted) the session will make. */
  lookAheadLength(): number;
  /** Chooses the call due now; call once per call, then complete it; not when `done`. */
  nextCall(): ChosenCall;
  /** Completes the chosen call with `out`: puts its event in `into` and moves `due` past it. */
  complete(out: Outcome, fmt: TimestampFormatter, into: EventTaker): void;
}

/**
 * What the engine puts the events it makes in: an array, or a taker that also takes a call as its
 * parts, with no event made (`generate`'s JSONL packer, which packs them as numbers).
 */
export interface EventTaker {
  readonly length: number;
  push(e: TraceEvent): unknown;
  /**
   * Takes the event of call `callIndex` of `s`, completed by `out`, as the parts `eventOf` would make
   * it of (sim/session.ts); false when it does not: the event is then made and pushed.
   */
  takeCall?(s: EventParts, callIndex: number, out: Outcome, fmt: TimestampFormatter): boolean;
}
