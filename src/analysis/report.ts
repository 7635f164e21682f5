import type { ChiSquareResult } from "./chisquare.js";
import type { TransitionStat } from "./estimate.js";
import type { VerifyReport } from "./verify.js";

function fixed(x: number | null, digits: number, sign = false): string {
  if (x === null) return "-";
  const s = x.toFixed(digits);
  return sign && x >= 0 ? `+${s}` : s;
}

function pValue(p: number): string {
  return p >= 1e-4 ? p.toFixed(4) : p.toExponential(2);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  // Source and target read left-aligned, numbers right-aligned.
  return rows.map((r) =>
    r
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

function transitionRow(t: TransitionStat): string[] {
  const mark = t.outside ? " !" : "";
  return [
    t.source,
    `→ ${t.target}${mark}`,
    t.p.toFixed(4),
    fixed(t.learned, 4),
    String(t.count),
    fixed(t.error, 4, true),
    fixed(t.z, 2, true),
  ];
}

function chiSquareLine(label: string, c: ChiSquareResult): string {
  const line = `${label}: chi-square ${c.statistic.toFixed(2)}, df ${c.df}, p = ${pValue(c.pValue)}`;
  if (c.pooledCells === 0) return line;
  return `${line} (cells with expected count < 5 pooled within their row: ${c.pooledCells} cells in ${c.pooledRows} row(s))`;
}

function tallyLine(r: VerifyReport): string {
  const t = r.tally;
  const parts = [
    `events ${t.events}`,
    `retries left out ${t.retries}`,
    `sessions ${t.sessions}`,
    `truncated at max_length ${r.maxLength}: ${t.truncated}`,
    `users ${t.users}`,
  ];
  if (t.otherWorkflow > 0) parts.push(`events of other workflows left out ${t.otherWorkflow}`);
  if (t.duplicates > 0) parts.push(`duplicate calls left out ${t.duplicates}`);
  if (t.userTypeConflicts > 0) parts.push(`users seen with two types ${t.userTypeConflicts}`);
  if (t.joinedLate !== undefined) parts.push(`sessions joined mid-way left out ${t.joinedLate}`);
  if (t.openAtStop !== undefined) parts.push(`sessions open at the stop ${t.openAtStop}`);
  return parts.join(" · ");
}

function userTypeLines(r: VerifyReport): string[] {
  if (!r.userTypes) return [];
  const rows = [["user type", "", "true", "learned", "users", "", ""]];
  for (const t of r.userTypes.types) {
    rows.push([
      t.type,
      t.p === 0 && t.count > 0 ? "!" : "",
      t.p.toFixed(4),
      fixed(t.learned, 4),
      String(t.count),
      "",
      "",
    ]);
  }
  return ["", ...table(rows), chiSquareLine("user types", r.userTypes.chiSquare)];
}

/**
 * The report as text (counts, the transition table, the tests, the verdict line), or as one JSON line
 * with every float rounded to 6 significant digits (counts stay exact).
 */
export function formatReport(r: VerifyReport, style: "text" | "json" = "text"): string {
  if (style === "json") return jsonReport(r);
  const header = ["source", "target", "true", "learned", "count", "error", "z"];
  const lines = [
    `workflow ${r.workflow}`,
    tallyLine(r),
    ...(r.tally.openAtStop !== undefined
      ? ["live stream: session ends are not observed; true = the probability given that the session goes on"]
      : []),
    "",
    ...table([header, ...r.transitions.map(transitionRow)]),
    ...(r.outside.length > 0 ? ["(! = transition outside the workflow)"] : []),
    "",
    chiSquareLine("transitions", r.chiSquare),
    ...userTypeLines(r),
    `level alpha = ${roundSignificant(r.alpha)}`,
    r.consistent ? "consistent" : `INCONSISTENT: ${r.reasons.join("; ")}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Rounds to `digits` significant digits, so that 0.6000000000000001 (a normalized 0.6) prints as 0.6. */
export function roundSignificant(x: number, digits = 6): number {
  return Number.isFinite(x) && !Number.isInteger(x) ? Number(x.toPrecision(digits)) : x;
}

function jsonReport(r: VerifyReport): string {
  return `${JSON.stringify(r, (_key, v: unknown) => (typeof v === "number" ? roundSignificant(v) : v))}\n`;
}
