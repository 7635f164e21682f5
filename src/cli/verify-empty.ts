import type { VerifyReport } from "../analysis/index.js";
import { ErrorCode, TwError } from "../errors.js";

// No sessions of the workflow is bad input (an empty file or topic, or the wrong --workflow), not a
// verdict: there is nothing to test, so it is refused in one line (exit 2) rather than judged after a
// table of dashes. One wording for a file, standard input and a Kafka topic.

function othersOf(report: VerifyReport): string {
  return report.otherWorkflows.map((n) => `"${n}"`).join(", ");
}

function refuse(why: string): never {
  throw new TwError(ErrorCode.INPUT_INVALID, `no sessions to test: ${why}`);
}

/** Refuses a file (or `-`, standard input) that holds no session of the workflow. */
export function refuseEmptyFile(input: string, report: VerifyReport): void {
  if (report.tally.sessions > 0) return;
  const name = input === "-" ? "standard input" : input;
  const others = othersOf(report);
  refuse(
    report.tally.events === 0
      ? `${name} has no events`
      : others === ""
        ? `${name} has no session of workflow "${report.workflow}" (only retries)`
        : `${name} has no events of workflow "${report.workflow}" (it has ${others}; check --workflow)`,
  );
}

/** What a live read saw and how it ended, for the message. */
export interface TopicRead {
  topic: string;
  fromBeginning: boolean;
  /** What stopped it: `--for`, `--events` or a signal's name. */
  until: string;
  records: number;
  badRecords: number;
  /** The first bad record's message, if any. */
  firstBad?: string;
}

/**
 * Refuses a topic read that saw no session of the workflow begin. Unlike a file, a topic read from now
 * (or past its retention) may show only the tails of sessions, which are left out: that is said too.
 */
export function refuseEmptyTopic(report: VerifyReport, read: TopicRead): void {
  const t = report.tally;
  if (t.sessions > 0) return;
  const what = `topic "${read.topic}" gave no session of workflow "${report.workflow}"`;
  const span = `read from ${read.fromBeginning ? "the beginning" : "now"} until ${read.until}`;
  const others = othersOf(report);
  const ofOurs = t.events - t.otherWorkflow;
  const parts = [`${read.records} record(s) ${span}`];
  if (read.badRecords > 0) parts.push(`${read.badRecords} bad, the first: ${read.firstBad}`);
  if (others !== "") parts.push(`it has ${others}; check --workflow`);
  else if (ofOurs > 0) {
    const late = t.joinedLate ?? 0;
    if (late > 0) parts.push(`${late} session(s) joined mid-way left out`);
    if (t.retries > 0) parts.push(`${t.retries} retry call(s) left out`);
  }
  refuse(`${what} (${parts.join("; ")})`);
}
