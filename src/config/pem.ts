import { readFileSync } from "node:fs";

/** A PEM value given inline (a key from the environment) rather than as a file path. */
export function isInlinePem(value: string): boolean {
  return value.trimStart().startsWith("-----BEGIN");
}

/** A PEM value is used as it is; anything else is a file to read. */
export function readPem(value: string): Buffer {
  return isInlinePem(value) ? Buffer.from(value) : readFileSync(value);
}

/**
 * Why a PEM option (a file path or the PEM itself) cannot be used, or undefined: a file that cannot
 * be read, or that holds no PEM block. The message names the file, never a key's content.
 */
export function pemProblem(value: string): string | undefined {
  const shown = isInlinePem(value) ? "the PEM given" : `"${value}"`;
  try {
    return readPem(value).includes("-----BEGIN") ? undefined : `${shown} holds no PEM block`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    return `cannot read ${shown} (${code}): expected a PEM file or the PEM itself`;
  }
}
