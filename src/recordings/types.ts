import type { HttpMethod } from "../event/index.js";

/**
 * One call of a recording, as `replay` sends it again: where, how, and when relative to the
 * recording's time zero (its first call, after filters).
 */
export interface RecordedCall {
  /** Offset (ms) from the recording's time zero. */
  at: number;
  method: HttpMethod;
  /** The concrete path, without the query string. */
  path: string;
  /** The endpoint template when the recording knows it (Event v1), else the path. */
  endpoint: string;
  /** Query parameters (GET) or JSON body fields (POST, PUT, PATCH), as recorded. */
  params: Record<string, string | number>;
  /** The recorded outcome, for a replay into sinks only (no target): emitted as it was. */
  status: number;
  latencyMs: number;
  isRetry: boolean;
  /** The recorded ground truth (Event v1 `cascade_id`), or null; access logs have none. */
  cascadeId: string | null;
}

/** One recorded session: its calls in time order (at least one). */
export interface RecordedSession {
  /** Unique within the recording (a `--multiply` copy gets a fresh one). */
  sessionId: string;
  userId: string;
  userType: string;
  workflow: string;
  calls: RecordedCall[];
}
