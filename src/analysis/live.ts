import { ErrorCode, TwError } from "../errors.js";
import { checkEvent } from "../recordings/index.js";
import type { Workflow } from "../workflow/types.js";
import { type PathEvent, SessionCounter } from "./sessions.js";
import { type VerifyOptions, type VerifyReport, verifyObservations } from "./verify.js";

/** A record that was not an Event v1 JSON object, as the report lists the first few. */
export interface BadRecord {
  where: string;
  message: string;
}

export interface LiveOptions extends Omit<VerifyOptions, "ends"> {
  /** Stop at the first bad record (TW_INPUT_INVALID) instead of counting it. */
  strict: boolean;
  /** Sessions, users and late joiners remembered per generation (SessionCounter's `memory`). */
  memory?: number;
}

const KEPT_BAD = 5;

/**
 * Verification of a stream read for a while (a Kafka topic): records go in one by one, the verdict can
 * be asked at any time. Sessions joined mid-way are left out and open ones censored (see
 * SessionCounter's `live`), so that a verdict asked mid-stream is as valid as the last one. Pure: no
 * clock, no I/O.
 */
export class LiveVerifier {
  /** Records taken, bad ones included. */
  records = 0;
  badRecords = 0;
  readonly firstBad: BadRecord[] = [];
  private readonly counter: SessionCounter;

  constructor(
    private readonly workflow: Workflow,
    private readonly opts: LiveOptions,
  ) {
    this.counter = new SessionCounter({
      workflow: workflow.name,
      exitPoints: workflow.exit_points,
      maxLength: opts.maxLength,
      live: true,
      ...(opts.memory === undefined ? {} : { memory: opts.memory }),
    });
  }

  /** Takes one record's value (Event v1 JSON); `where` (e.g. `topic/2@1041`) names it in errors. */
  add(value: string, where: string): void {
    this.records++;
    let event: ReturnType<typeof checkEvent>;
    try {
      event = checkEvent(parseJson(value, where), where);
    } catch (err) {
      if (this.opts.strict || !(err instanceof TwError)) throw err;
      this.bad(where, err);
      return;
    }
    this.addEvent(event, where);
  }

  /** Takes one event already parsed and checked. */
  addEvent(event: PathEvent, where: string): void {
    try {
      this.counter.add(event, where);
    } catch (err) {
      // A record the count refuses (a call_index twice at two endpoints) is bad, not fatal, here too.
      if (this.opts.strict || !(err instanceof TwError)) throw err;
      this.bad(where, err);
    }
  }

  private bad(where: string, err: TwError): void {
    this.badRecords++;
    if (this.firstBad.length < KEPT_BAD) this.firstBad.push({ where, message: err.message });
  }

  /** The verdict on what came so far. */
  report(): VerifyReport {
    const report = verifyObservations(this.workflow, this.counter.snapshot(), { ...this.opts, ends: false });
    const outOfOrder = this.counter.outOfOrder.size;
    if (outOfOrder === 0) return report;
    // A session read out of call_index order has wrong counts; a stream cannot be read twice to fix it.
    const reasons = [...report.reasons, `${outOfOrder} session(s) arrived out of call_index order`];
    return { ...report, consistent: false, reasons };
  }

  /** One line for the running verdict: counts, the chi-square so far, and the verdict. */
  runningLine(report = this.report()): string {
    const t = report.tally;
    const c = report.chiSquare;
    const chi = c.df > 0 ? `chi-square p = ${formatP(c.pValue)} (df ${c.df})` : "chi-square: too few yet";
    const verdict = report.consistent
      ? "consistent so far"
      : t.sessions === 0
        ? "no sessions yet"
        : `INCONSISTENT: ${report.reasons[0]}`;
    const bad = this.badRecords > 0 ? ` · bad records ${this.badRecords}` : "";
    const checked = report.transitions.reduce((s, x) => s + x.count, 0);
    return `records ${this.records}${bad} · sessions ${t.sessions} · transitions checked ${checked} · ${chi} · ${verdict}`;
  }
}

function parseJson(value: string, where: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, `${where}: malformed JSON (${(err as Error).message})`);
  }
}

function formatP(p: number): string {
  return p >= 1e-4 ? p.toFixed(4) : p.toExponential(2);
}
