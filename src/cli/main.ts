#!/usr/bin/env node
import { readFileSync } from "node:fs";
import module from "node:module";
import { isTwError } from "../errors.js";
import { commands } from "./commands/index.js";

// Imports here stay light (no zod, yaml, Kafka, Parquet, pino): `--version` and `--help` load nothing
// else, and a command loads its own dependencies when it runs. On Node >= 22.1 the modules a command
// loads are compiled once and cached on disk (in the OS temp dir, as tsc does; measured: a fifth less
// CPU time for `validate` on Node 24); Node 20 has no such cache and skips this.
try {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
} catch {
  // A cache only saves time; start-up never fails for want of one.
}

/** The version in package.json (dist/cli/main.js and src/cli/main.ts both sit two levels below it). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

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

/** Runs one CLI invocation and returns its exit code: 0 ok, 2 bad input, 3 run lost events, 4 verify inconsistent, 99 a threshold crossed, 1 other. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`tracewalk: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
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
