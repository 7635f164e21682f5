import type { Config } from "../config/index.js";
import { ErrorCode, TwError } from "../errors.js";
import type { SummaryOptions } from "../summary/finish.js";
import { parseThresholdFlag, parseThresholdMap, type Threshold } from "../summary/thresholds.js";

/** The flags run, replay and generate --config share for the end-of-run summary. */
export const summaryFlags = {
  threshold: { type: "string", multiple: true },
  summary: { type: "string" },
  report: { type: "string" },
} as const;

export interface SummaryValues {
  threshold?: string[] | undefined;
  summary?: string | undefined;
  report?: string | undefined;
}

/** Parses `--threshold` values, naming the flag and what was wrong (exit 2). */
export function thresholdFlags(values: readonly string[] | undefined): Threshold[] {
  return (values ?? []).map((text) => {
    const t = parseThresholdFlag(text);
    if (typeof t === "string") throw new TwError(ErrorCode.ARGS_INVALID, `--threshold: ${t}`);
    return t;
  });
}

/** What the summary needs from the flags and the config (whose thresholds were checked at load). */
export function summaryOptions(v: SummaryValues, config: Config): SummaryOptions {
  if (v.report !== undefined && !/\.html?$/i.test(v.report)) {
    throw new TwError(ErrorCode.ARGS_INVALID, `--report ${v.report}: expected a .html file`);
  }
  return {
    thresholds: [...parseThresholdMap(config.thresholds).thresholds, ...thresholdFlags(v.threshold)],
    ...(v.summary === undefined ? {} : { summaryFile: v.summary }),
    ...(v.report === undefined ? {} : { reportFile: v.report }),
    table: config.log.pretty ?? process.stderr.isTTY === true,
  };
}
