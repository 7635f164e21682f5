import type { CascadeLabel } from "../event/index.js";
import type { CallOutcome, ChosenCall, DROPPED, Outcome, PENDING, Settle } from "../sim/outcome.js";
import type { Session } from "../sim/session.js";
import type { SummaryRecorder } from "./recorder.js";

/**
 * HTTP mode, open model: watches each call settle and records its latency measured from when it was
 * meant to go (its due instant) rather than when it went, as wrk2 does. A target that falls behind
 * delays sends (connection or rate caps, a lagging schedule); the raw latency hides that wait
 * (coordinated omission), this one counts it. Everything else passes through unchanged.
 */
export class IntendedTimeOutcome implements CallOutcome {
  constructor(
    private readonly inner: CallOutcome,
    private readonly rec: SummaryRecorder,
  ) {}

  begin(s: Session): void {
    this.inner.begin(s);
  }

  complete(call: ChosenCall, out: Outcome): undefined | typeof PENDING | typeof DROPPED {
    return this.inner.complete(call, out);
  }

  attach(settle: Settle): void {
    this.inner.attach?.((call, out) => {
      // The call is its session, which has one call in flight: `due` is still this call's.
      const waited = Number.isNaN(out.sentAt) ? 0 : Math.max(0, out.sentAt - call.due);
      const ep = call.endpoint;
      this.rec.observeCorrected(
        { workflow: call.session.workflowName, endpoint: ep.template, method: ep.method, status: out.status },
        out.latencyMs + waited,
      );
      settle(call, out);
    });
  }

  label(s: Session): CascadeLabel | null {
    return this.inner.label(s);
  }
}
