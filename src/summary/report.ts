import type { SummaryV1 } from "./summary.js";

/** The HTML report: one self-contained file. */
export function renderReport(s: SummaryV1): string {
  return `<!doctype html><html><body><pre>${JSON.stringify(s.totals)}</pre></body></html>\n`;
}
