import { pino } from "pino";
import pretty from "pino-pretty";

export type Logger = pino.Logger;

/** pino JSON lines on stderr, or pretty lines when asked or when stderr is a terminal. */
export function createLogger(level: string, prettyOpt: boolean | undefined): Logger {
  const isPretty = prettyOpt ?? process.stderr.isTTY === true;
  const opts = { level, base: { name: "tracewalk" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (isPretty)
    return pino(opts, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true }));
  return pino(opts, pino.destination({ dest: 2, sync: true }));
}
