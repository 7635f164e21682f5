import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { isTwError, type TwError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "tracewalk-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;

/** Writes a YAML config into a temporary directory removed after the file's tests. */
export function yamlFile(text: string): string {
  const file = join(dir, `config-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** Awaits a promise expected to reject with a TwError and returns it. */
export async function rejection(p: Promise<unknown>): Promise<TwError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTwError(err), `expected a TwError, got ${String(err)}`).toBe(true);
  return err as TwError;
}
