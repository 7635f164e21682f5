import type { TraceEvent } from "../event/index.js";
import { invalidInput } from "./input.js";

/** The fields of Event v1 that a session's path needs (verify counts transitions from them). */
export type PathEvent = Pick<
  TraceEvent,
  "workflow" | "user_id" | "user_type" | "session_id" | "call_index" | "endpoint" | "is_retry"
>;

const STRING_FIELDS = ["workflow", "user_id", "user_type", "session_id", "endpoint"] as const;

/** Checks the fields of a session's path and returns them; anything else in the event is ignored. */
export function checkEvent(raw: unknown, where: string): PathEvent {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidInput(where, "expected a JSON object (one event per line)");
  }
  const r = raw as Record<string, unknown>;
  for (const f of STRING_FIELDS) {
    if (typeof r[f] !== "string")
      throw invalidInput(where, `field "${f}" ${r[f] === undefined ? "is missing" : "must be a string"}`);
  }
  // Parquet readers hand INT64 columns over as bigint.
  const call = typeof r.call_index === "bigint" ? Number(r.call_index) : r.call_index;
  if (typeof call !== "number" || !Number.isSafeInteger(call) || call < 0) {
    throw invalidInput(
      where,
      `field "call_index" ${r.call_index === undefined ? "is missing" : "must be an integer >= 0"}`,
    );
  }
  if (typeof r.is_retry !== "boolean") {
    throw invalidInput(
      where,
      `field "is_retry" ${r.is_retry === undefined ? "is missing" : "must be a boolean"}`,
    );
  }
  return {
    workflow: r.workflow as string,
    user_id: r.user_id as string,
    user_type: r.user_type as string,
    session_id: r.session_id as string,
    endpoint: r.endpoint as string,
    call_index: call,
    is_retry: r.is_retry,
  };
}
