import type { CompiledEndpoint } from "../sim/compile.js";
import type { SessionFactory } from "../sim/engine.js";
import { ReplayArrivals } from "./arrivals.js";
import {
  type RecordedPlacement,
  RecordedSessionRun,
  type ReplayTiming,
  recordedEndpoint,
} from "./session.js";
import type { Recording } from "./shape.js";
import type { RecordedCall } from "./types.js";

/** A recording as a session source: its arrivals and how each becomes a recorded session. */
export interface ReplaySource {
  load: ReplayArrivals;
  makeSession: SessionFactory;
  startMs: number;
  /** Starts over when the recording ends (the run then ends only when stopped). */
  loop: boolean;
}

/** A recording laid on the clock from `timing.originMs`, ready for the builder. */
export function replaySource(recording: Recording, timing: ReplayTiming): ReplaySource {
  const load = new ReplayArrivals(recording, timing);
  // One endpoint record per (method, template), shared by every call that names it.
  const endpoints = new Map<string, CompiledEndpoint>();
  const endpointOf = (c: RecordedCall) => {
    const k = `${c.method} ${c.endpoint}`;
    let ep = endpoints.get(k);
    if (ep === undefined) {
      ep = recordedEndpoint(c.method, c.endpoint);
      endpoints.set(k, ep);
    }
    return ep;
  };
  return {
    load,
    startMs: timing.originMs,
    loop: timing.loop,
    makeSession(a, key) {
      const { rec, pass } = load.sessionOf(a.user);
      const place: RecordedPlacement = {
        origin: load.originOf(pass),
        scale: timing.scale,
        suffix: pass === 0 ? "" : `@${pass}`,
        endpointOf,
      };
      return new RecordedSessionRun(rec, a, key, place);
    },
  };
}
