import { ErrorCode, TwError } from "../errors.js";
import type { Workflow } from "../workflow/types.js";
import { type ChiSquareResult, distributionChiSquare, pooledChiSquare } from "./chisquare.js";
import { type TransitionStat, transitionStats } from "./estimate.js";
import { expectedChain, normalizeRow, withoutEnds, workflowEndpoints } from "./model.js";
import { type Observations, type PathEvent, SessionCounter, type Tally } from "./sessions.js";

/** The significance level used when none is given. */
export const DEFAULT_ALPHA = 0.001;

export interface VerifyOptions {
  /** Significance level of each test. */
  alpha: number;
  /** The generator's max_length: a session cut there gives no observation of its last step. */
  maxLength: number;
  /** False for a live stream: ends are not observed, so the chain is tested given that sessions go on. */
  ends?: boolean;
}

/** The user-type check: per user, the first type seen, against `user_type_distribution`. */
export interface UserTypeReport {
  /** Per type: true probability, users of that type, and their share. */
  types: { type: string; p: number; count: number; learned: number | null }[];
  unknown: string[];
  chiSquare: ChiSquareResult;
}

/** Everything verify found, as printed and as `--json` emits it. */
export interface VerifyReport {
  workflow: string;
  alpha: number;
  maxLength: number;
  tally: Tally;
  /** A few names of other workflows whose events were left out. */
  otherWorkflows: string[];
  transitions: TransitionStat[];
  outside: TransitionStat[];
  chiSquare: ChiSquareResult;
  userTypes: UserTypeReport | null;
  consistent: boolean;
  reasons: string[];
}

/** A place events come from; `open` may be called twice when `reopenable`. */
export interface EventSource {
  name: string;
  reopenable: boolean;
  open(): AsyncIterable<{ event: PathEvent; where: string }>;
}

function userTypeReport(w: Workflow, obs: Observations): UserTypeReport | null {
  if (!w.user_type_distribution) return null;
  const probs = normalizeRow(w.user_type_distribution);
  const names = [...new Set([...probs.keys(), ...obs.userTypes.keys()])].sort();
  const users = obs.tally.users;
  const types = names.map((type) => {
    const count = obs.userTypes.get(type) ?? 0;
    return { type, p: probs.get(type) ?? 0, count, learned: users > 0 ? count / users : null };
  });
  const unknown = types.filter((t) => t.p === 0 && t.count > 0).map((t) => t.type);
  return { types, unknown, chiSquare: distributionChiSquare(probs, obs.userTypes) };
}

function describeOutside(t: TransitionStat, known: Set<string>): string {
  const why = !known.has(t.target) && t.target !== "$end" ? "unknown endpoint" : "p = 0";
  return `${t.source} → ${t.target} (${why}, ${t.count}×)`;
}

function reasonsOf(report: Omit<VerifyReport, "consistent" | "reasons">, known: Set<string>): string[] {
  const { alpha, tally, outside, chiSquare, userTypes } = report;
  const reasons: string[] = [];
  if (tally.sessions === 0) {
    const others = report.otherWorkflows.map((n) => `"${n}"`).join(", ");
    reasons.push(
      `no sessions of workflow "${report.workflow}" in the input${others && ` (it has ${others})`}`,
    );
  }
  if (outside.length > 0) {
    const listed = outside.slice(0, 10).map((t) => describeOutside(t, known));
    const more = outside.length > 10 ? `, and ${outside.length - 10} more` : "";
    reasons.push(`${outside.length} transition(s) outside the workflow: ${listed.join("; ")}${more}`);
  }
  if (tally.overLength > 0) {
    reasons.push(`${tally.overLength} session(s) longer than max_length ${report.maxLength}`);
  }
  if (chiSquare.pValue < alpha) {
    reasons.push(
      `transition frequencies deviate (chi-square p = ${chiSquare.pValue.toPrecision(3)} < ${alpha})`,
    );
  }
  if (userTypes && userTypes.unknown.length > 0) {
    reasons.push(`user type(s) outside user_type_distribution: ${userTypes.unknown.join(", ")}`);
  }
  if (userTypes && userTypes.chiSquare.pValue < alpha) {
    const p = userTypes.chiSquare.pValue.toPrecision(3);
    reasons.push(`user types deviate from user_type_distribution (chi-square p = ${p} < ${alpha})`);
  }
  return reasons;
}

/** Judges observations against the workflow: consistent iff nothing is outside it and no test rejects. */
export function verifyObservations(w: Workflow, obs: Observations, opts: VerifyOptions): VerifyReport {
  const chain = opts.ends === false ? withoutEnds(expectedChain(w)) : expectedChain(w);
  const transitions = transitionStats(chain, obs.rows);
  const partial = {
    workflow: w.name,
    alpha: opts.alpha,
    maxLength: opts.maxLength,
    tally: obs.tally,
    otherWorkflows: obs.otherWorkflows,
    transitions,
    outside: transitions.filter((t) => t.outside),
    chiSquare: pooledChiSquare(chain, obs.rows),
    userTypes: userTypeReport(w, obs),
  };
  const reasons = reasonsOf(partial, workflowEndpoints(w));
  return { ...partial, consistent: reasons.length === 0, reasons };
}

async function count(source: EventSource, w: Workflow, maxLength: number, buffered?: Set<string>) {
  const counter = new SessionCounter({ workflow: w.name, exitPoints: w.exit_points, maxLength, buffered });
  for await (const { event, where } of source.open()) counter.add(event, where);
  return { counter, observations: counter.finish() };
}

/**
 * Reads the source and verifies it. Sessions found out of call_index order are counted again in a
 * second pass that buffers just them, so the first pass keeps only a few bytes per session.
 */
export async function verifyEvents(
  source: EventSource,
  w: Workflow,
  opts: VerifyOptions,
): Promise<VerifyReport> {
  const first = await count(source, w, opts.maxLength);
  if (first.counter.outOfOrder.size === 0) return verifyObservations(w, first.observations, opts);
  if (!source.reopenable) {
    const [id, where] = first.counter.outOfOrder.entries().next().value!;
    throw new TwError(
      ErrorCode.INPUT_INVALID,
      `${where}: session "${id}" arrives out of call_index order; ${source.name} can be read only once, ` +
        "so save it to a file and pass that with --input",
    );
  }
  const second = await count(source, w, opts.maxLength, new Set(first.counter.outOfOrder.keys()));
  return verifyObservations(w, second.observations, opts);
}
