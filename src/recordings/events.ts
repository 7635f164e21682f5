import { TwError } from "../errors.js";
import { HTTP_METHODS, type HttpMethod } from "../event/methods.js";
import { checkEvent } from "./event.js";
import { invalidInput as invalid } from "./input.js";
import { type CallFilter, Interner, type RawSession } from "./raw.js";
import type { RecordedCall, RecordedSession } from "./types.js";

/**
 * The fields of Event v1 that a call needs (replay sends it again), checked: the recorded call, `at`
 * as `time` (epoch ms), and the session it belongs to.
 */
export interface CallEvent extends Omit<RecordedCall, "at">, Omit<RecordedSession, "calls"> {
  callIndex: number;
  time: number;
}

function checkParams(v: unknown, where: string): Record<string, string | number> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw invalid(where, `field "params" ${v === undefined ? "is missing" : "must be an object"}`);
  }
  const params = v as Record<string, unknown>;
  for (const k in params) {
    const x = params[k];
    if (typeof x !== "string" && typeof x !== "number") {
      throw invalid(where, `params.${k} must be a string or a number`);
    }
  }
  return v as Record<string, string | number>;
}

function need(r: Record<string, unknown>, field: string, ok: boolean, what: string, where: string): void {
  if (!ok)
    throw invalid(where, `field "${field}" ${r[field] === undefined ? "is missing" : `must be ${what}`}`);
}

/** Checks one Event v1 record for everything replay needs (checkEvent's fields and the call's). */
export function checkCallEvent(raw: unknown, where: string): CallEvent {
  const e = checkEvent(raw, where);
  const r = raw as Record<string, unknown>;
  const time = typeof r.timestamp === "string" ? Date.parse(r.timestamp) : Number.NaN;
  need(r, "timestamp", Number.isFinite(time), "an RFC 3339 time", where);
  need(r, "method", HTTP_METHODS.includes(r.method as HttpMethod), HTTP_METHODS.join(", "), where);
  need(r, "path", typeof r.path === "string", "a string", where);
  const status = typeof r.status_code === "bigint" ? Number(r.status_code) : r.status_code;
  need(r, "status_code", Number.isInteger(status) && (status as number) >= 0, "an integer >= 0", where);
  const latency = r.response_time_ms;
  need(
    r,
    "response_time_ms",
    typeof latency === "number" && Number.isFinite(latency) && latency >= 0,
    "a number >= 0",
    where,
  );
  return {
    sessionId: e.session_id,
    userId: e.user_id,
    userType: e.user_type,
    workflow: e.workflow,
    callIndex: e.call_index,
    time,
    method: r.method as HttpMethod,
    path: r.path as string,
    endpoint: e.endpoint,
    params: checkParams(r.params, where),
    status: status as number,
    latencyMs: latency as number,
    isRetry: e.is_retry,
    cascadeId: typeof r.cascade_id === "string" ? r.cascade_id : null,
  };
}

/** A session being read, with each call's call_index beside it for the (timestamp, call_index) order. */
interface Building {
  session: RawSession;
  index: number[];
  ordered: boolean;
}

/** Groups events into sessions; calls keep epoch ms in `at` until the shaping step rebases them. */
export class EventGrouper {
  private readonly bySession = new Map<string, Building>();
  private readonly strings = new Interner();
  filtered = 0;

  constructor(private readonly keep: CallFilter | undefined) {}

  add(e: CallEvent): void {
    const s = this.strings;
    const call: RecordedCall = {
      at: e.time,
      method: e.method,
      path: s.of(e.path),
      endpoint: s.of(e.endpoint),
      params: e.params,
      status: e.status,
      latencyMs: e.latencyMs,
      isRetry: e.isRetry,
      cascadeId: e.cascadeId === null ? null : s.of(e.cascadeId),
    };
    if (this.keep && !this.keep(call)) {
      this.filtered++;
      return;
    }
    let b = this.bySession.get(e.sessionId);
    if (b === undefined) {
      const session = {
        sessionId: e.sessionId,
        userId: e.userId,
        userType: s.of(e.userType),
        workflow: s.of(e.workflow),
        calls: [],
      };
      b = { session, index: [], ordered: true };
      this.bySession.set(e.sessionId, b);
    }
    const n = b.index.length;
    if (n > 0) {
      const prevAt = b.session.calls[n - 1]!.at;
      if (call.at < prevAt || (call.at === prevAt && e.callIndex < b.index[n - 1]!)) b.ordered = false;
    }
    b.session.calls.push(call);
    b.index.push(e.callIndex);
  }

  sessions(): RawSession[] {
    const out: RawSession[] = [];
    for (const b of this.bySession.values()) {
      if (!b.ordered) {
        const { calls } = b.session;
        const order = calls.map((_, i) => i);
        order.sort((i, j) => calls[i]!.at - calls[j]!.at || b.index[i]! - b.index[j]!);
        b.session.calls = order.map((i) => calls[i]!);
      }
      out.push(b.session);
    }
    return out;
  }
}

/** The checked calls of an Event v1 Parquet file, in file order. */
export async function* parquetCalls(path: string): AsyncGenerator<CallEvent> {
  const { readParquetEvents } = await import("./parquet.js");
  let row = 0;
  try {
    for await (const raw of readParquetEvents(path)) {
      row++;
      yield checkCallEvent(raw, `${path}: row ${row}`);
    }
  } catch (err) {
    if (err instanceof TwError) throw err;
    throw invalid(path, `cannot read Parquet (${(err as Error).message})`);
  }
}
