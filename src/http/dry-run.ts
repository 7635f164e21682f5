import { redactUrl } from "../config/redact.js";
import type { CallOutcome, ChosenCall, Outcome } from "../sim/outcome.js";
import { completeAt } from "../sim/outcome.js";
import { pathPrefix, requestOf } from "./request.js";

/** Header names whose values are secrets: a dry run prints the name, never the value. */
const SECRET = /auth|token|key|secret|cookie|password|session/i;

/** The status a dry run completes every call with: the walk goes on as if the target said OK. */
export const DRY_RUN_STATUS = 200;

/**
 * `target.dry_run`: HTTP mode with the send left out. The run keeps HTTP mode's real-time clock and
 * pacing (think times scaled by the speed); each request is printed as one line (method, URL, body,
 * headers with secret values hidden) and completed at once with status 200 and latency 0, so the
 * preview shows the request rate the real run would aim at with an instant target.
 */
export class DryRunOutcome implements CallOutcome {
  private readonly prefix: string;
  private readonly origin: string;
  private readonly headers: string;

  constructor(
    url: string,
    headers: Readonly<Record<string, string>> = {},
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    const u = new URL(url);
    this.origin = u.origin;
    this.prefix = pathPrefix(u);
    this.headers = Object.entries(headers)
      .map(([k, v]) => ` ${k}: ${SECRET.test(k) ? "<hidden>" : v}`)
      .join(";");
  }

  begin(): void {}

  complete(call: ChosenCall, out: Outcome): undefined {
    const req = requestOf(this.prefix, call.endpoint.method, call.path, call.params);
    this.write(
      `dry-run ${req.method} ${redactUrl(`${this.origin}${req.path}`)}${req.body === null ? "" : ` ${req.body}`}${this.headers === "" ? "" : ` |${this.headers}`}\n`,
    );
    return completeAt(out, DRY_RUN_STATUS, 0);
  }

  label(): null {
    return null;
  }
}
