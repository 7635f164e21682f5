#!/usr/bin/env node
import { isTwError } from "../errors.js";
import type { Command } from "./command.js";
import { commands } from "./commands/index.js";

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: tracewalk <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "tracewalk <command> --help shows the options of a command.",
  ].join("\n");
}

/** Runs one CLI invocation and returns its exit code: 0 ok, 2 bad input, 3 run lost events, 4 verify inconsistent, 1 other. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    process.stdout.write("0.1.0\n");
    return 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`tracewalk: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const verbose = rest.includes("--verbose");
  try {
    return await command.run(rest.filter((a) => a !== "--verbose"));
  } catch (err) {
    if (isTwError(err)) {
      process.stderr.write(`tracewalk ${name}: ${err.format()}\n`);
      if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`tracewalk ${name}: ${e?.message ?? String(err)}\n`);
    if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tracewalk: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
