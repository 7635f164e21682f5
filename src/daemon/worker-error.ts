import { ErrorCode, type Problem, TwError } from "../errors.js";

/**
 * An error as plain data, to cross from a worker thread: structured cloning keeps an Error's message
 * but drops a TwError's code, problems and cause, which are what the user needs to read.
 */
export interface WorkerFailure {
  message: string;
  code?: string;
  problems?: Problem[];
  retriable?: boolean;
  /** The message of the underlying cause, e.g. `ENOSPC: no space left on device, write`. */
  cause?: string;
}

/** What a worker posts about an error it caught. */
export function toWorkerFailure(err: unknown): WorkerFailure {
  if (!(err instanceof Error)) return { message: String(err) };
  const f: WorkerFailure = { message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") f.code = code;
  if (err instanceof TwError) {
    if (err.problems.length > 0) f.problems = err.problems.map((p) => ({ path: p.path, message: p.message }));
    if (err.retriable) f.retriable = true;
  }
  if (err.cause !== undefined) f.cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
  return f;
}

const CODES = new Set<string>(Object.values(ErrorCode));

/** The error a worker reported, rebuilt on this thread: a TwError when it was one, with all it said. */
export function fromWorkerFailure(f: WorkerFailure): Error {
  const cause = f.cause === undefined ? undefined : new Error(f.cause);
  if (f.code !== undefined && CODES.has(f.code)) {
    return new TwError(f.code as ErrorCode, f.message, {
      ...(f.problems === undefined ? {} : { problems: f.problems }),
      ...(f.retriable === undefined ? {} : { retriable: f.retriable }),
      ...(cause === undefined ? {} : { cause }),
    });
  }
  const err = new Error(f.message, cause === undefined ? undefined : { cause }) as Error & { code?: string };
  if (f.code !== undefined) err.code = f.code;
  return err;
}
