import type { ArrivalSource } from "../engine.js";
import type { Arrival } from "../session.js";

/** A load model: an arrival source the daemon can stop, reconfigure and watch. */
export interface LoadModel extends ArrivalSource {
  /** Engine hook: a session ended at virtual time s.due (closed model schedules that user's next session). */
  onSessionEnd(s: { arrival: Arrival; due: number }): void;
  /** No arrival at or after this virtual instant (end of --duration, or shutdown). */
  stopAt(virtualMs: number): void;
  /** Users with a session in flight or one still to come (for the active_users gauge). */
  readonly activeUsers: number;
}

/** One workflow's share of users; its index in the array is `Arrival.workflow`. */
export interface WorkflowShare {
  weight: number;
}
