import { createRequire } from "node:module";
import { pino } from "pino";
import type PinoPretty from "pino-pretty";

export type Logger = pino.Logger;

// pino-pretty is loaded only when pretty lines are wanted (a terminal, or asked for): JSON logging,
// the daemon's usual case, does not pay for it. It is CommonJS, so a synchronous require does.
const require = createRequire(import.meta.url);

/** pino JSON lines on stderr, or pretty lines when asked or when stderr is a terminal. */
export function createLogger(level: string, prettyOpt: boolean | undefined): Logger {
  const isPretty = prettyOpt ?? process.stderr.isTTY === true;
  const opts = { level, base: { name: "tracewalk" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (isPretty) {
    const pretty = require("pino-pretty") as typeof PinoPretty;
    return pino(opts, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true }));
  }
  return pino(opts, pino.destination({ dest: 2, sync: true }));
}
