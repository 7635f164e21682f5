import type { CallOutcome, ChosenCall, Outcome, OutcomeModifier } from "../sim/outcome.js";
import { completeAt } from "../sim/outcome.js";

/**
 * The recorded outcome source (replay without a target): each call goes as it was recorded (status,
 * latency). Its recorded `cascade_id` is put back by `RecordedLabels` at the end of the modifier
 * chain, so that a cascade of the replay that touches the call wins.
 */
export class RecordedOutcome implements CallOutcome {
  begin(): void {}

  complete(call: ChosenCall, out: Outcome): undefined {
    const c = call.recorded;
    return c === null ? completeAt(out, 0, 0) : completeAt(out, c.status, c.latencyMs);
  }

  label(): null {
    return null;
  }
}

/** Last in the chain of a replay: a call no cascade of the replay touched keeps its recorded `cascade_id`. */
export class RecordedLabels implements OutcomeModifier {
  begin(): void {}

  apply(call: ChosenCall, out: Outcome): void {
    if (out.cascadeId === null && call.recorded !== null) out.cascadeId = call.recorded.cascadeId;
  }

  label(): null {
    return null;
  }
}
