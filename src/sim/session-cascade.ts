import { type CascadeLabel, Effect } from "../event/index.js";
import type { EngineSession } from "./engine-session.js";
import type { SessionCascade } from "./options.js";
import type { ChosenCall, Outcome, OutcomeModifier } from "./outcome.js";
import { hashUniform, mix32 } from "./rng.js";

/** Counter streams of the per-session cascade: one draw per session, then per (session, call). */
const CHOSEN_STREAM = 0x5c0;
const CALL_SALT = 0x5eca5cad;

/** The per-session cascade of one session: from which step it touches calls, and the span it touched. */
export class SessionCascadeRun {
  start = Number.NaN;
  end = Number.NaN;
  constructor(
    readonly id: string,
    /** First step (retries not counted) the cascade touches. */
    readonly from: number,
  ) {}
}

/**
 * The seed guide's per-session cascade (`generation.cascade_rate`) as an outcome modifier: a share of
 * sessions is drawn at start, and from the middle of its walk on every call (and its retries) may be
 * slowed, time out (504), fail (503) and be retried after a backoff. Its state lives on the session
 * (`cascade`), only for the sessions it touches. Its draws are counter-based, on (seed, user,
 * session, call index), never from the session's call stream: a touched call changes nothing else.
 */
export class SessionCascadeModifier implements OutcomeModifier {
  constructor(
    private readonly c: SessionCascade,
    private readonly key: number,
  ) {}

  begin(s: EngineSession): void {
    const a = s.arrival;
    const cascaded = hashUniform(this.key, a.user, a.session, CHOSEN_STREAM) < this.c.rate;
    s.cascade = cascaded ? new SessionCascadeRun(`cascade-${s.sessionId}`, s.lookAheadLength() >> 1) : null;
  }

  apply(call: ChosenCall, out: Outcome): void {
    const run = call.session.cascade;
    // Its own retries (those of calls it touched) and, from the middle of the walk, every new call.
    if (run === null || !(call.isRetry ? call.retryOf === run.id : call.steps >= run.from)) return;
    const c = this.c;
    const arrival = call.session.arrival;
    const key = mix32(this.key ^ mix32(arrival.user + CALL_SALT));
    let j = 0;
    // Always five draws, in a fixed order, whatever happens.
    const u = () => hashUniform(key, arrival.session, call.callIndex, j++);
    const uSlow = u();
    const uFactor = u();
    const outcome = u();
    const uRetry = u();
    const uBackoff = u();
    let rt = out.latencyMs;
    let applied = Effect.DRAWN | Effect.SESSION;
    if (uSlow < c.slowProbability) {
      rt *= c.slowFactorMin + uFactor * (c.slowFactorMax - c.slowFactorMin);
      applied |= Effect.SLOW;
    }
    if (outcome < c.timeoutProbability) {
      out.status = 504;
      rt = c.timeoutMs;
      // The timeout's latency replaces the slowed one.
      applied = (applied & ~Effect.SLOW) | Effect.TIMEOUT;
    } else if (outcome < c.timeoutProbability + c.failProbability) {
      out.status = 503;
      applied |= Effect.UNAVAILABLE;
    }
    const retry = !call.isRetry && uRetry < c.retryProbability;
    if (retry) applied |= Effect.RETRY;
    out.effects = applied;
    // Rounded here as the event will be (rounding again is a no-op), so the label ends where the call did.
    rt = Math.round(rt * 10) / 10;
    out.latencyMs = rt;
    if (retry)
      out.retryAfterMs =
        c.retryBackoffMinMs + Math.floor(uBackoff * (c.retryBackoffMaxMs - c.retryBackoffMinMs + 1));
    out.cascadeId = run.id;
    if (Number.isNaN(run.start)) run.start = call.due;
    const end = call.due + rt;
    if (!(end <= run.end)) run.end = end;
  }

  label(s: EngineSession): CascadeLabel | null {
    const run = s.cascade;
    if (run === null || Number.isNaN(run.start)) return null;
    const c = this.c;
    return {
      cascade_id: run.id,
      name: "session-cascade",
      start: new Date(run.start).toISOString(),
      end: new Date(Math.round(run.end)).toISOString(),
      scope: { session_id: s.sessionId, user_id: s.userId, from_call: run.from },
      // The same shape as a window's (src/event/labels.ts); it retries a call at most once.
      effects: {
        slow: { probability: c.slowProbability, factor: [c.slowFactorMin, c.slowFactorMax] },
        timeout: { probability: c.timeoutProbability, after: c.timeoutMs, status: 504 },
        unavailable: { probability: c.failProbability, status: 503 },
        retry: {
          probability: c.retryProbability,
          backoff: [c.retryBackoffMinMs, c.retryBackoffMaxMs],
          max: 1,
        },
      },
    };
  }
}
