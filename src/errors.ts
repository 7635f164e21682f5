/** Error codes of tracewalk; the CLI maps each to an exit code and prints the message, never a stack. */
export const ErrorCode = {
  ARGS_INVALID: "TW_ARGS_INVALID",
  CONFIG_INVALID: "TW_CONFIG_INVALID",
  WORKFLOW_INVALID: "TW_WORKFLOW_INVALID",
  INPUT_INVALID: "TW_INPUT_INVALID",
  /** An output path (a file sink, `--out`, a labels file) that cannot be opened for writing as given. */
  OUTPUT_INVALID: "TW_OUTPUT_INVALID",
  SINK_UNAVAILABLE: "TW_SINK_UNAVAILABLE",
  SINK_FAILED: "TW_SINK_FAILED",
  /** Events a sink accepted and never delivered (a stop's deadline or delivery_timeout passed): exit 3. */
  EVENTS_UNDELIVERED: "TW_EVENTS_UNDELIVERED",
  /** A source of events (a Kafka broker verify reads from) that cannot be reached. */
  SOURCE_UNAVAILABLE: "TW_SOURCE_UNAVAILABLE",
  VERIFY_INCONSISTENT: "TW_VERIFY_INCONSISTENT",
  INTERNAL: "TW_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem found in an input, located by a path such as `transitions./api/cart./api/checkout` or `file.yaml:12:3`. */
export interface Problem {
  path: string;
  message: string;
}

const EXIT_CODES: Record<ErrorCode, number> = {
  TW_ARGS_INVALID: 2,
  TW_CONFIG_INVALID: 2,
  TW_WORKFLOW_INVALID: 2,
  TW_INPUT_INVALID: 2,
  TW_OUTPUT_INVALID: 2,
  TW_SINK_UNAVAILABLE: 1,
  TW_SINK_FAILED: 1,
  TW_EVENTS_UNDELIVERED: 3,
  TW_SOURCE_UNAVAILABLE: 1,
  TW_VERIFY_INCONSISTENT: 4,
  TW_INTERNAL: 1,
};

export interface TwErrorOptions {
  problems?: Problem[];
  retriable?: boolean;
  cause?: unknown;
}

/** An error with a code, the problems that caused it, and whether retrying can help. */
export class TwError extends Error {
  readonly code: ErrorCode;
  readonly problems: Problem[];
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: TwErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TwError";
    this.code = code;
    this.problems = options.problems ?? [];
    this.retriable = options.retriable ?? false;
  }

  /** The process exit code this error maps to. */
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }

  /** The message followed by one line per problem, as the CLI prints it; a problem that only restates the message is left out. */
  format(): string {
    const lines = this.problems.map((p) => `${p.path}: ${p.message}`).filter((l) => l !== this.message);
    return [this.message, ...lines.map((l) => `  ${l}`)].join("\n");
  }
}

/**
 * Why a file could not be opened or read, in the one wording every command uses (config, workflow,
 * input): `no such file`, `is a directory`, `permission denied`, else the system's message.
 */
export function fileReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return (err as Error | undefined)?.message ?? String(err);
}

/** `PATH: cannot read WHAT: REASON`, the message of a file that could not be read. */
export function cannotRead(path: string, what: string, err: unknown): string {
  return `${path}: cannot read ${what}: ${fileReason(err)}`;
}

export function isTwError(err: unknown): err is TwError {
  return err instanceof TwError;
}
