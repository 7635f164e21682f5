// What "never throws on any input" means for the property tests: a function given junk either
// returns, or throws a TwError whose message is one clear line and whose exit code is 2 (bad input).
// Anything else (a TypeError, a RangeError, a zod error let through) fails the property, and
// fast-check prints the smallest input that did it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { TwError } from "../../src/errors.js";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: TwError };

/** Runs `f`; a TwError for bad input is an outcome, any other throw fails the test. */
export async function resultOrClearError<T>(f: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    if (!(err instanceof TwError)) throw err;
    expect(err.exitCode, err.message).toBe(2);
    expect(err.message.trim().length, "a TwError with an empty message").toBeGreaterThan(0);
    expect(err.message, "a TwError message of more than one line").not.toMatch(/\n/);
    expect(err.message).not.toContain("[object Object]");
    for (const p of err.problems) expect(p.message.trim().length).toBeGreaterThan(0);
    return { ok: false, error: err };
  }
}

/** A temp dir for input files; `file(name, text)` writes one and gives its path. */
export function scratch(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    file(ext: string, text: string): string {
      const path = join(dir, `in-${n++}${ext}`);
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Property runs: modest, so the suite stays fast; FC_RUNS raises them for a long local hunt. */
export const RUNS = Number(process.env.FC_RUNS ?? 100);
