import type { HttpErrorKind, HttpMethod, TraceEvent } from "./index.js";

/** Milliseconds in a minute. */
export const MINUTE_MS = 60_000;

/** `00:` to `59:`. */
const MINUTE_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => `${i < 10 ? "0" : ""}${i}:`);

/**
 * The RFC 3339 text of a minute up to its seconds, as `toISOString` writes it: `2026-01-01T00:00:`.
 * Asked in time order: the text up to the hour is made once an hour, from a Date (which cost ~1 µs a
 * minute), and the minute is two digits from a table.
 */
export class MinuteText {
  private hour = Number.NaN;
  private hourText = "";

  of(minute: number): string {
    const hour = Math.floor(minute / 60);
    if (hour !== this.hour) {
      this.hour = hour;
      const iso = new Date(hour * 3_600_000).toISOString();
      this.hourText = iso.slice(0, iso.length - 10);
    }
    return this.hourText + MINUTE_DIGITS[minute - hour * 60]!;
  }
}

/**
 * The strings every event of a session carries, made once per session, with a slot where a sink keeps
 * its encoding of them (the JSONL encoder's bytes): encoded once a session, copied into each event's.
 */
export class SessionText {
  /** A sink's encoding of these strings, made on first use; it depends on nothing else. */
  encoded: unknown = undefined;

  constructor(
    readonly workflow: string,
    readonly userId: string,
    readonly userType: string,
    readonly sessionId: string,
  ) {}
}

/** An endpoint's strings as its events carry them, with a slot for a sink's encoding (as SessionText). */
export class EndpointText {
  encoded: unknown = undefined;

  constructor(
    readonly endpoint: string,
    readonly method: HttpMethod,
  ) {}
}

/** `-0` to `-255`: an event id is its session id and one of these (one concatenation, no number to text). */
const DASH_INDEX: readonly string[] = Array.from({ length: 256 }, (_, i) => `-${i}`);

/**
 * An event as the engine makes it. To every reader it is a TraceEvent like any other: the same own
 * fields in the same order, so JSON, spread, structured clone and every sink see exactly Event v1.
 * Besides them it keeps, in private fields nothing serializes, the numbers its timestamp was written
 * from: a byte encoder writes the timestamp from those (`timestampMinute`) instead of flattening the
 * string and reading its 24 characters one by one (with the event id's, ~6 % of the pipeline's CPU).
 */
export class EngineEvent implements TraceEvent {
  event_id: string;
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
  // Only on HTTP-mode events, set after construction: it stays the last field, as in Event v2.
  declare error?: HttpErrorKind | null;
  /** The timestamp string made, to tell whether `timestamp` still holds it. */
  readonly #timestamp: string;
  /** The timestamp's minute (epoch ms / 60,000; -1: not known) and milliseconds into it, small integers. */
  readonly #minute: number;
  readonly #inMinute: number;
  /** The session's and the endpoint's text the engine made the event from, or null (see `made`). */
  #session: SessionText | null = null;
  #endpoint: EndpointText | null = null;
  /** The id made (`session_id-call_index`, from `made`), to tell whether `event_id` still holds it. */
  #eventId = "";
  #idIndex = -1;

  // Positional, in field order: one event per call is the engine's hot path (no options object).
  constructor(
    eventId: string,
    timestamp: string,
    minute: number,
    inMinute: number,
    workflow: string,
    userId: string,
    userType: string,
    sessionId: string,
    callIndex: number,
    endpoint: string,
    path: string,
    method: HttpMethod,
    params: Record<string, string | number>,
    statusCode: number,
    responseTimeMs: number,
    isRetry: boolean,
    cascadeId: string | null,
  ) {
    this.event_id = eventId;
    this.timestamp = timestamp;
    this.workflow = workflow;
    this.user_id = userId;
    this.user_type = userType;
    this.session_id = sessionId;
    this.call_index = callIndex;
    this.endpoint = endpoint;
    this.path = path;
    this.method = method;
    this.params = params;
    this.status_code = statusCode;
    this.response_time_ms = responseTimeMs;
    this.is_retry = isRetry;
    this.cascade_id = cascadeId;
    this.#timestamp = timestamp;
    this.#minute = minute;
    this.#inMinute = inMinute;
  }

  /**
   * The engine's event of call `callIndex` of a session: its id is the session id and the index, and
   * it keeps the session's and endpoint's text objects for a byte encoder (`sessionText`, `idIndex`,
   * `endpointText`), which then writes their strings from bytes made once.
   */
  static made(
    session: SessionText,
    callIndex: number,
    timestamp: string,
    minute: number,
    inMinute: number,
    endpoint: EndpointText,
    path: string,
    params: Record<string, string | number>,
    statusCode: number,
    responseTimeMs: number,
    isRetry: boolean,
    cascadeId: string | null,
  ): EngineEvent {
    const sid = session.sessionId;
    const id = callIndex < 256 ? sid + DASH_INDEX[callIndex]! : `${sid}-${callIndex}`;
    const e = new EngineEvent(
      id,
      timestamp,
      minute,
      inMinute,
      session.workflow,
      session.userId,
      session.userType,
      sid,
      callIndex,
      endpoint.endpoint,
      path,
      endpoint.method,
      params,
      statusCode,
      responseTimeMs,
      isRetry,
      cascadeId,
    );
    e.#session = session;
    e.#endpoint = endpoint;
    e.#eventId = id;
    // The index as the id's digits; any other number (the engine makes none) is only the string.
    e.#idIndex = Number.isSafeInteger(callIndex) && callIndex >= 0 ? callIndex : -1;
    return e;
  }

  /**
   * The session text `e` was made from while its `workflow`, `user_id`, `user_type` and `session_id`
   * are still its strings; null otherwise (an event changed since, or not made by `made`).
   */
  static sessionText(e: TraceEvent): SessionText | null {
    if (!(#session in e)) return null;
    const s = e.#session;
    return s !== null &&
      e.session_id === s.sessionId &&
      e.user_id === s.userId &&
      e.user_type === s.userType &&
      e.workflow === s.workflow
      ? s
      : null;
  }

  /**
   * The call index `e`'s id was made from (`event_id` is `sessionText(e).sessionId-index`) while
   * `event_id` is still that string; -1 otherwise. Only meaningful when `sessionText(e)` is not null.
   */
  static idIndex(e: TraceEvent): number {
    return #eventId in e && e.event_id === e.#eventId ? e.#idIndex : -1;
  }

  /** The endpoint text `e` was made from while its `endpoint` and `method` are still its strings; else null. */
  static endpointText(e: TraceEvent): EndpointText | null {
    if (!(#endpoint in e)) return null;
    const t = e.#endpoint;
    return t !== null && e.endpoint === t.endpoint && e.method === t.method ? t : null;
  }

  /**
   * The minute of `e`'s timestamp (epoch ms / 60,000) when the engine made `e` and its `timestamp` is
   * still the string it made; -1 otherwise (then only the string says the time).
   */
  static timestampMinute(e: TraceEvent): number {
    return #minute in e && e.timestamp === e.#timestamp ? e.#minute : -1;
  }

  /** Milliseconds into that minute (0 to 59,999); only when `timestampMinute(e)` is not -1. */
  static timestampInMinute(e: TraceEvent): number {
    return #inMinute in e ? e.#inMinute : -1;
  }

  /**
   * Epoch ms of `e`'s timestamp, from those numbers, when `timestampMinute(e)` knows them; -1 otherwise
   * (then only the string says the time: no instant it gives is -1, as known minutes are not negative).
   */
  static timestampMs(e: TraceEvent): number {
    const minute = EngineEvent.timestampMinute(e);
    return minute < 0 ? -1 : minute * MINUTE_MS + EngineEvent.timestampInMinute(e);
  }
}
