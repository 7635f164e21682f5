/** Defaults of generation that other stages (verify, the daemon) must agree on. */

/** A session is cut after this many calls (retries not counted) unless configured otherwise. */
export const DEFAULT_MAX_LENGTH = 50;

/** Offline generation starts here when no `--start` is given, so the same command gives the same bytes. */
export const DEFAULT_START = "2026-01-01T00:00:00.000Z";

/** The seed used when none is given. */
export const DEFAULT_SEED = 42;
