/**
 * Defaults of generation that the config, the engine and other stages (verify, the daemon) agree on.
 * The config owns them; `sim` imports this file alone (no zod, no schema), so that the config needs
 * nothing from the engine.
 */

/** A session is cut after this many calls (retries not counted) unless configured otherwise. */
export const DEFAULT_MAX_LENGTH = 50;

/** Offline generation starts here when no `--start` is given, so the same command gives the same bytes. */
export const DEFAULT_START = "2026-01-01T00:00:00.000Z";

/** The seed used when none is given. */
export const DEFAULT_SEED = 42;
