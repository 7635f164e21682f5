import type { CascadeLabel } from "../event/index.js";
import type { SessionCascade } from "./options.js";
import type { ChosenCall, Outcome, OutcomeModifier } from "./outcome.js";
import { aleaInt, aleaNext } from "./rng.js";
import type { Session } from "./session.js";

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
 * (`Session.cascade`), only for the sessions it touches.
 */
export class SessionCascadeModifier implements OutcomeModifier {
  constructor(private readonly c: SessionCascade) {}

  begin(s: Session): void {
    // Drawn even at rate 0, so switching cascades on changes only the sessions they touch.
    const cascaded = aleaNext(s.rng) < this.c.rate;
    s.cascade = cascaded ? new SessionCascadeRun(`cascade-${s.sessionId}`, s.lookAheadLength() >> 1) : null;
  }

  apply(call: ChosenCall, out: Outcome): void {
    const run = call.session.cascade;
    // Its own retries (those of calls it touched) and, from the middle of the walk, every new call.
    if (run === null || !(call.isRetry ? call.retryOf === run.id : call.steps >= run.from)) return;
    const c = this.c;
    const a = call.rng;
    let rt = out.latencyMs;
    if (aleaNext(a) < c.slowProbability)
      rt *= c.slowFactorMin + aleaNext(a) * (c.slowFactorMax - c.slowFactorMin);
    const outcome = aleaNext(a);
    if (outcome < c.timeoutProbability) {
      out.status = 504;
      rt = c.timeoutMs;
    } else if (outcome < c.timeoutProbability + c.failProbability) {
      out.status = 503;
    }
    const retry = !call.isRetry && aleaNext(a) < c.retryProbability;
    // Rounded here as the event will be (rounding again is a no-op), so the label ends where the call did.
    rt = Math.round(rt * 10) / 10;
    out.latencyMs = rt;
    if (retry) out.retryAfterMs = aleaInt(a, c.retryBackoffMinMs, c.retryBackoffMaxMs);
    out.cascadeId = run.id;
    if (Number.isNaN(run.start)) run.start = call.due;
    const end = call.due + rt;
    if (!(end <= run.end)) run.end = end;
  }

  label(s: Session): CascadeLabel | null {
    const run = s.cascade;
    if (run === null || Number.isNaN(run.start)) return null;
    const c = this.c;
    return {
      cascade_id: run.id,
      name: "session-cascade",
      start: new Date(run.start).toISOString(),
      end: new Date(Math.round(run.end)).toISOString(),
      scope: { session_id: s.sessionId, user_id: s.userId, from_call: run.from },
      effects: {
        slow_probability: c.slowProbability,
        slow_factor: [c.slowFactorMin, c.slowFactorMax],
        timeout_probability: c.timeoutProbability,
        timeout_ms: c.timeoutMs,
        fail_probability: c.failProbability,
        fail_status: 503,
        retry_probability: c.retryProbability,
      },
    };
  }
}
