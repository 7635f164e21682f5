import { redactUrl } from "../config/redact.js";
import type { CascadeLabel } from "../event/index.js";
import type { CallOutcome, ChosenCall, Outcome } from "../sim/outcome.js";
import type { Session } from "../sim/session.js";
import { pathPrefix, requestOf } from "./request.js";

/**
 * `target.dry_run`: each request is printed (one line on `write`, default standard error) instead of
 * sent, and the call is completed by the simulated outcome, so sessions walk as they would.
 */
export class DryRunOutcome implements CallOutcome {
  private readonly prefix: string;
  private readonly origin: string;

  constructor(
    private readonly inner: CallOutcome,
    url: string,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    const u = new URL(url);
    this.origin = u.origin;
    this.prefix = pathPrefix(u);
  }

  begin(s: Session): void {
    this.inner.begin(s);
  }

  complete(call: ChosenCall, out: Outcome) {
    const req = requestOf(this.prefix, call.endpoint.method, call.path, call.params);
    // A query parameter named like a credential (token, api_key…) is printed redacted.
    const url = redactUrl(`${this.origin}${req.path}`);
    this.write(`dry-run ${req.method} ${url}${req.body === null ? "" : ` ${req.body}`}\n`);
    return this.inner.complete(call, out);
  }

  label(s: Session): CascadeLabel | null {
    return this.inner.label(s);
  }
}
