/**
 * The event contract (Event v1 and cascade label records): what tracewalk emits, independent of how it
 * is produced. The engine, every sink and the analysis depend on this module; it depends on nothing.
 */

import type { HttpMethod } from "./methods.js";

export { HTTP_METHODS, type HttpMethod } from "./methods.js";

/** Version of the event schema, sent as a Kafka header and documented in docs/events.md. */
export const EVENT_SCHEMA_VERSION = "1";

/**
 * Event v2, HTTP mode: Event v1 plus `error` on every event (null, or the kind of network failure,
 * with `status_code` 0). Emitted events stay v1, byte for byte.
 */
export const EVENT_SCHEMA_VERSION_HTTP = "2";

/** Kinds of network failure an HTTP-mode event's `error` names. */
export const HTTP_ERROR_KINDS = ["timeout", "refused", "reset", "dns", "tls", "other"] as const;
export type HttpErrorKind = (typeof HTTP_ERROR_KINDS)[number];

/** Event v1: one API call. Field names follow the seed guide's Python model. */
export interface TraceEvent {
  event_id: string;
  /** RFC 3339, millisecond precision, UTC. */
  timestamp: string;
  workflow: string;
  user_id: string;
  user_type: string;
  session_id: string;
  call_index: number;
  endpoint: string;
  path: string;
  method: HttpMethod;
  params: Record<string, string | number>;
  status_code: number;
  response_time_ms: number;
  is_retry: boolean;
  cascade_id: string | null;
  /** HTTP mode only (Event v2): null, or the network failure that ended the call (`status_code` 0). */
  error?: HttpErrorKind | null;
}

export { CALL_EFFECTS, Effect, effectNames, effectsOf, markEffects } from "./effects.js";
export { EndpointText, EngineEvent, MINUTE_MS, MinuteText, SessionText } from "./engine-event.js";

// Label records: one zod schema is the source of their type and of their JSON Schema. Only the types
// here: the schemas are imported from ./labels.js where they are used, so that what imports events
// (every thread, generate's worker too) does not load zod.
export type { CascadeLabel, LabelEffects } from "./labels.js";

/** Field order of Event v1, shared by every serializer. */
export const EVENT_FIELDS = [
  "event_id",
  "timestamp",
  "workflow",
  "user_id",
  "user_type",
  "session_id",
  "call_index",
  "endpoint",
  "path",
  "method",
  "params",
  "status_code",
  "response_time_ms",
  "is_retry",
  "cascade_id",
] as const satisfies readonly (keyof TraceEvent)[];
