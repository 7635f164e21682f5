import { ErrorCode, TwError } from "../errors.js";

export { defaultLabelsPath } from "../config/paths.js";

// Open errors that say the path as given is wrong (a missing or read-only directory, a directory or a
// file in the way): bad input, exit 2. Others (EMFILE, EIO, ENOSPC) are the machine's trouble.
const PATH_ERRORS = new Set([
  "ENOENT",
  "ENOTDIR",
  "EISDIR",
  "EACCES",
  "EPERM",
  "EROFS",
  "EEXIST",
  "ELOOP",
  "ENAMETOOLONG",
]);

function reason(cause: unknown): string {
  const e = cause as NodeJS.ErrnoException;
  // mkdir -p reports a file in the way of a directory as "EEXIST: file already exists".
  if (e?.code === "EEXIST" && e.syscall === "mkdir") return `${e.path} is a file, not a directory`;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The error of an output file that cannot be opened, naming the path and the system's reason. */
export function openFailed(path: string, cause: unknown): TwError {
  const errno = (cause as NodeJS.ErrnoException | null)?.code ?? "";
  const code = PATH_ERRORS.has(errno) ? ErrorCode.OUTPUT_INVALID : ErrorCode.SINK_UNAVAILABLE;
  return new TwError(code, `cannot open ${path} for writing: ${reason(cause)}`, { cause });
}

/** The error of a write to an output file that failed (disk full, file or directory gone). */
export function writeFailed(path: string, cause: unknown): TwError {
  if (cause instanceof TwError) return cause;
  return new TwError(ErrorCode.SINK_FAILED, `writing ${path} failed: ${reason(cause)}`, { cause });
}
