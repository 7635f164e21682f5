import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The built CLI (`npm test` builds first). */
export const MAIN = new URL("../../dist/cli/main.js", import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `node` directly (npx would not pass signals on) and collects its output. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return collect(child, opts.input);
}

/**
 * runCli, killed (SIGKILL) if it has not exited after `ms`: a test of a run that must end by itself
 * fails on its exit code and signal instead of hanging.
 */
export async function runCliWithin(args: string[], ms: number): Promise<CliResult> {
  const run = runCli(args);
  const kill = setTimeout(() => run.child.kill("SIGKILL"), ms);
  try {
    return await run;
  } finally {
    clearTimeout(kill);
  }
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess, input?: string): Promise<CliResult> & { child: ChildProcess } {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(done, { child });
}

/** Polls `check` every 50 ms until it returns true, failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = "tw-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stack trace line, which the CLI must never print without --verbose. */
export const STACK_LINE = /\n\s+at .+\(.*:\d+:\d+\)/;

const METRICS_LINE = /metrics on (http:\/\/[^/]+)\/metrics/;

/**
 * Starts `tracewalk run ARGS` (pushed to `children`, which the caller kills after each test); resolves
 * once it logs its metrics address, with that base URL and a reader of its log so far.
 */
export async function startDaemon(args: string[], children: ChildProcess[]) {
  const run = runCli(["run", ...args]);
  children.push(run.child);
  let stderr = "";
  run.child.stderr?.on("data", (d: Buffer | string) => {
    stderr += d.toString();
  });
  await waitFor("the metrics address", () => METRICS_LINE.test(stderr));
  const base = METRICS_LINE.exec(stderr)![1]!;
  return { run, base, log: () => stderr };
}
