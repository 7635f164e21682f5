import type { CascadeWindow } from "../cascade/plan.js";
import type { CascadeTimeline } from "../cascade/timeline.js";
import { formatDuration, injectOf, redactInject } from "../config/index.js";
import type { BuiltRun } from "./builder.js";
import type { ControlTarget } from "./control.js";

const iso = (ms: number) => new Date(ms).toISOString();

function windowView(w: CascadeWindow): { cascade_id: string; start: string; end: string } {
  return { cascade_id: w.cascade_id, start: iso(w.start), end: iso(w.end) };
}

/**
 * `GET /control/cascades`: each cascade's schedule, injectors (HTTP mode only; secrets redacted), open
 * windows and next window after `now`.
 */
function cascadeViews(timeline: CascadeTimeline, now: number): Record<string, unknown>[] {
  const open = timeline.openViews();
  return timeline.cascades.map((c) => {
    const next = timeline.nextOf(c.name, now);
    const inject = injectOf(c);
    return {
      name: c.name,
      schedule: {
        ...(c.every === undefined ? {} : { every: formatDuration(c.every) }),
        ...(c.offset === undefined ? {} : { offset: formatDuration(c.offset) }),
        ...(c.at === undefined ? {} : { at: c.at.map(formatDuration) }),
        ...(c.cron === undefined ? {} : { cron: c.cron }),
        duration: formatDuration(c.duration),
        ramp: formatDuration(c.ramp),
      },
      scope: c.scope,
      effects: c.effects,
      ...(inject === undefined ? {} : { inject: inject === "none" ? "none" : redactInject(inject) }),
      open: open.filter((w) => w.name === c.name),
      next: next === undefined ? null : windowView(next),
    };
  });
}

/** What the control API may change: the load (the daemon's setLoad). */
export interface LoadControl {
  setLoad(change: { arrival_rate: number } | { users: number }): string | null;
  /** The load's current setting, as the control API reports it. */
  loadNow: Record<string, unknown>;
}

/** What the control API sees of a run: status, cascades, and the actions it may take. */
export function controlView(run: BuiltRun, load: LoadControl): ControlTarget {
  const { runner, clock, engine, timeline, config } = run;
  const start = run.sessions.startMs;
  /**
   * The virtual instant a control action takes effect: the clock's, or at `max` speed just after the
   * last call emitted (calls are emitted in time order, so none before it can change).
   */
  const controlNow = () => {
    const now = clock.virtualNow();
    // Whole milliseconds (as events and records carry them), after every call already emitted.
    const after = Math.max(Math.floor(engine.reached) + 1, start);
    return Number.isFinite(now) ? Math.max(Math.ceil(now), after) : after;
  };
  return {
    get paused() {
      return runner.paused;
    },
    pause: () => runner.pause(),
    resume: () => runner.resume(),
    setLoad: (change) => load.setLoad(change),
    status: () => {
      const now = clock.virtualNow();
      return {
        paused: runner.paused,
        speed: config.clock.speed,
        virtual_time: Number.isFinite(now) ? new Date(now).toISOString() : null,
        load: load.loadNow,
        events: runner.eventsEmitted,
        active_sessions: runner.activeSessions,
      };
    },
    cascades: () => (timeline === null ? [] : cascadeViews(timeline, controlNow())),
    trigger: (name, durationMs) => {
      if (timeline === null) return { status: 404, error: "no cascades are configured" };
      const w = timeline.trigger(name, controlNow(), durationMs);
      if (typeof w === "string") return { status: w.startsWith("no cascade") ? 404 : 409, error: w };
      runner.interrupt();
      return windowView(w);
    },
    abort: (id) => {
      const w = timeline?.abort(id, controlNow()) ?? `no open window ${id}`;
      if (typeof w === "string") return { status: w.startsWith("no open") ? 404 : 409, error: w };
      runner.interrupt();
      return windowView(w);
    },
  };
}
