import type { Config } from "../config/index.js";
import type { ReplaySource } from "../replay/source.js";
import type { SessionFactory } from "../sim/engine.js";
import { ClosedLoad, type LoadModel, OpenLoad } from "../sim/load/index.js";
import { ShardFilter } from "../sim/load/shard-filter.js";
import type { WallClock } from "./clock.js";
import type { OutcomeKindName } from "./outcome-sources.js";

/** What a session source is built from. */
export interface SessionContext {
  config: Config;
  key: number;
  wall: WallClock;
  /** The outcome source runs in real time (HTTP mode, dry run): the run starts now. */
  realTime: boolean;
}

/** A session source, built: its arrivals (already sharded) and how each becomes a session. */
export interface BuiltSessions {
  load: LoadModel;
  /** Undefined: a walk of the arrival's workflow. */
  makeSession?: SessionFactory;
  startMs: number;
  /** The clock's speed factor (`max`, or 1 for real time). */
  clockSpeed: number | "max";
  /**
   * Multiplies a user's waits: think times, and (walker) the pause or gap between sessions. Real time:
   * 1 / speed, 0 at `max` (no wait but the responses); otherwise 1, as the waits are virtual.
   */
  thinkScale: number;
  /** The run's end: a virtual instant, Infinity (when the source ends), or undefined (until stopped). */
  endMs: number | undefined;
  /** No window starts at or after this instant (a replay: just after its last call). */
  windowsUntil?: number;
  /** The outcome source when there is no target. */
  offlineOutcome: OutcomeKindName;
  /** Every session it starts must run (no arrival dropped when a target is busy). */
  keepsEverySession: boolean;
  /** The workflow label of its sessions' metrics; undefined: the workflows' names. */
  metricsWorkflows?: string[];
}

/**
 * A walk's load model from the config: open (arrival rate) or closed (users). `waitScale` multiplies
 * the waits between a user's sessions (the closed model's `pause`, the open model's `session_gap`),
 * as it does think times; the open model's arrival rate is the load itself and keeps its schedule.
 */
function walkLoad(config: Config, key: number, start: number, waitScale: number): LoadModel {
  const l = config.load;
  const shares = config.workflows;
  // The walker's models plan only this shard's users (a closed model starts only them; an offline
  // plan counts only them), which the shard filter could not do without running every user.
  if (l.model === "closed") {
    return new ClosedLoad({
      key,
      startMs: start,
      users: l.users,
      pauseMs: l.pause * waitScale,
      workflows: shares,
      shard: config.shard,
    });
  }
  return new OpenLoad({
    key,
    startMs: start,
    arrivalRate: l.arrival_rate,
    stages: l.stages.map((s) => ({ durationMs: s.duration, target: s.target })),
    ...(l.daily_curve === undefined ? {} : { dailyCurve: l.daily_curve }),
    sessionsPerUser: l.sessions_per_user,
    sessionGapMs: l.session_gap * waitScale,
    workflows: shares,
    shard: config.shard,
  });
}

/** The walker under the config's open or closed load. */
export function walkSessions(c: SessionContext): BuiltSessions {
  const { config } = c;
  const speed = config.clock.speed;
  const start = c.realTime ? c.wall.now() : Date.parse(config.clock.start);
  // In real time (HTTP mode, dry run) the clock runs at 1 and the speed shortens the users' waits
  // instead: `max` leaves none but the responses. Elsewhere the waits are virtual and stay whole.
  const waitScale = c.realTime ? (speed === "max" ? 0 : 1 / speed) : 1;
  return {
    load: walkLoad(config, c.key, start, waitScale),
    startMs: start,
    clockSpeed: c.realTime ? 1 : speed,
    thinkScale: waitScale,
    endMs: config.clock.duration === undefined ? undefined : start + config.clock.duration,
    offlineOutcome: "rules",
    keepsEverySession: false,
  };
}

/**
 * A recording: its sessions at their recorded offsets from now, the spacing already scaled (so the
 * clock runs at real time, or `max`). Windows are planned over the span replayed.
 */
export function replaySessions(source: ReplaySource) {
  return (c: SessionContext): BuiltSessions => {
    const speed = c.config.clock.speed;
    const duration = c.config.clock.duration;
    return {
      load: new ShardFilter(source.load, c.config.shard),
      makeSession: source.makeSession,
      startMs: source.startMs,
      clockSpeed: speed === "max" ? "max" : 1,
      thinkScale: 1,
      endMs:
        duration !== undefined
          ? source.startMs + duration
          : source.loop
            ? undefined
            : Number.POSITIVE_INFINITY, // a replay ends with its recording
      // The whole recording's last call (not this shard's), so that every shard plans the same windows.
      ...(source.loop ? {} : { windowsUntil: Math.floor(source.load.lastCallMs) + 1 }),
      offlineOutcome: "recorded",
      keepsEverySession: true,
      // A replay's sessions are the recording's, counted under one workflow label.
      metricsWorkflows: ["replay"],
    };
  };
}

/** A session source kind: builds its sessions from the context. */
export type SessionKind = (c: SessionContext) => BuiltSessions;

/**
 * The session sources a daemon can run: the walker, or a recording. A new kind is a function of this
 * shape in a file of its own, passed to createDaemon (as `replay` passes `replaySessions(source)`).
 */
export const SESSION_KINDS = { walk: walkSessions, replay: replaySessions } as const;
