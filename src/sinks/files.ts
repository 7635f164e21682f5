import { type FileHandle, mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
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

/** Opens `path` for writing, its directories made first; a failure is openFailed's error. */
export async function openForWriting(path: string): Promise<FileHandle> {
  try {
    await makeDirs(dirname(path));
    return await open(path, "w");
  } catch (cause) {
    throw openFailed(path, cause);
  }
}

/**
 * `mkdir -p dir`, with the errors of `mkdir(dir, { recursive: true })`, but it fails where that one
 * never returns. Node's recursive mkdir retries a level forever when the system says ENOENT although
 * its parent exists (/proc: `--out /proc/x/events.jsonl` hung the run at start, on Node 20 and 24).
 * Here each level is tried at most twice: once, and again after its parents were made.
 */
export async function makeDirs(dir: string): Promise<void> {
  const err = await mkdirOnce(dir);
  if (err === null) return;
  const parent = dirname(dir);
  if ((err as NodeJS.ErrnoException).code !== "ENOENT" || parent === dir) throw err;
  await makeDirs(parent);
  const again = await mkdirOnce(dir);
  if (again !== null) throw again;
}

/** mkdir of one level: null once `dir` is a directory (made now, or already); else mkdir's error. */
async function mkdirOnce(dir: string): Promise<unknown> {
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") return err;
    await existingDir(dir, err);
  }
  return null;
}

/**
 * `dir` exists: fine if it is a directory (or a link to one); else mkdir's EEXIST (a file in the way),
 * or ENOENT for a link to nothing.
 */
async function existingDir(dir: string, err: unknown): Promise<void> {
  const st = await stat(dir).catch((cause: unknown) => cause as NodeJS.ErrnoException);
  if (st instanceof Error) {
    if (st.code !== "ENOENT") throw st;
    throw Object.assign(new Error(`${dir} is a symbolic link to a path that does not exist`), {
      code: "ENOENT",
      syscall: "stat",
      path: dir,
    });
  }
  if (!st.isDirectory()) throw err;
}
