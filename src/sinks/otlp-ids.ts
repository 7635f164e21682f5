import { hash } from "node:crypto";

// Trace and span ids are derived, never drawn: the OTLP sink and HTTP mode's `traceparent` compute
// them apart, from the event alone, and N shards of one run must give the union of its spans. A
// session id already carries the seed's tag (`<seedTag>-<user>-<session>`), so the same seed gives the
// same ids and another seed other ones. SHA-1 is not here for secrecy: it is fast in Node, in every
// language's standard library (a reader can recompute an id: `sha1("tw-trace\0" + session_id)`), and
// its bits are uniform enough that two sessions share a trace id with probability ~2^-128.

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The trace id (32 lowercase hex digits, never all zero) of a session: one session is one trace. */
export function traceIdOf(sessionId: string): string {
  const id = hash("sha1", `tw-trace\0${sessionId}`).slice(0, 32);
  return id === ZERO_TRACE ? `${ZERO_TRACE.slice(1)}1` : id;
}

function spanId(text: string): string {
  const id = hash("sha1", text).slice(0, 16);
  return id === ZERO_SPAN ? `${ZERO_SPAN.slice(1)}1` : id;
}

/** The span id (16 hex digits) of a session's root span. */
export function sessionSpanIdOf(sessionId: string): string {
  return spanId(`tw-session\0${sessionId}`);
}

/** The span id of a call's CLIENT span, from its event id (`<session_id>-<call_index>`). */
export function callSpanIdOf(eventId: string): string {
  return spanId(`tw-call\0${eventId}`);
}

/** The span id of the work a downstream service did for a call. */
export function serviceSpanIdOf(eventId: string, service: string): string {
  return spanId(`tw-service\0${eventId}\0${service}`);
}

/** The event id of a session's call, as the engine makes it; HTTP mode derives the span id from it. */
export function eventIdOf(sessionId: string, callIndex: number): string {
  return `${sessionId}-${callIndex}`;
}

/**
 * The W3C `traceparent` header of a call (version 00, sampled): the session's trace id and the call's
 * CLIENT span as parent, so the target's own spans join the session's trace under that call.
 */
export function traceparentOf(sessionId: string, callIndex: number): string {
  return `00-${traceIdOf(sessionId)}-${callSpanIdOf(eventIdOf(sessionId, callIndex))}-01`;
}
