import { EngineEvent } from "../../src/event/index.js";
import type { TimestampFormatter } from "../../src/sim/timefmt.js";

/** What a test may set of `engineEventAt`'s event; the rest is fixed. */
export interface EngineEventFields {
  callIndex?: number;
  endpoint?: string;
  statusCode?: number;
  responseTimeMs?: number;
}

/** An event as the engine makes it, at `ms`: its timestamp from `fmt`, with the minute `fmt` kept. */
export function engineEventAt(fmt: TimestampFormatter, ms: number, f: EngineEventFields = {}): EngineEvent {
  const callIndex = f.callIndex ?? 3;
  const ts = fmt.format(ms);
  return new EngineEvent(
    `s1-7-0-${callIndex}`,
    ts,
    fmt.minute,
    fmt.inMinute,
    "ecommerce",
    "user-7",
    "new",
    "s1-7-0",
    callIndex,
    f.endpoint ?? "/api/products/{id}",
    "/api/products/17",
    "GET",
    { q: "shoes", page: 2 },
    f.statusCode ?? 200,
    f.responseTimeMs ?? 170.5,
    false,
    null,
  );
}
