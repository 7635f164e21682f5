import {
  type CascadeLabel,
  Effect,
  EngineEvent,
  effectNames,
  effectsOf,
  type TraceEvent,
} from "../event/index.js";
import { CascadeBook } from "./otlp-cascades.js";
import { type Attr, type SpanData, SpanKind, StatusCode } from "./otlp-encode.js";
import { callSpanIdOf, serviceSpanIdOf, sessionSpanIdOf, traceIdOf } from "./otlp-ids.js";

/** A workflow's service map, as the sink needs it: who serves an endpoint, whom a service calls. */
export interface ServiceMap {
  owner: ReadonlyMap<string, string>;
  dependsOn: ReadonlyMap<string, readonly string[]>;
}

/** Builds the ServiceMap of each workflow (by name) that has a `services:` map. */
export function serviceMaps(
  workflows: readonly {
    name: string;
    services?: Record<string, { endpoints?: string[]; depends_on?: string[] }>;
  }[],
): Map<string, ServiceMap> {
  const out = new Map<string, ServiceMap>();
  for (const w of workflows) {
    if (w.services === undefined) continue;
    const owner = new Map<string, string>();
    const dependsOn = new Map<string, readonly string[]>();
    for (const [name, svc] of Object.entries(w.services)) {
      for (const e of svc.endpoints ?? []) owner.set(e, name);
      dependsOn.set(name, svc.depends_on ?? []);
    }
    out.set(w.name, { owner, dependsOn });
  }
  return out;
}

/** Depth of the service tree under a call: the map is acyclic (validated), this only bounds the fan-out. */
const MAX_SERVICE_DEPTH = 6;

/** A session seen and not yet closed: what its root span will say. */
interface OpenSession {
  id: string;
  traceId: string;
  spanId: string;
  workflow: string;
  userId: string;
  userType: string;
  startMs: number;
  endMs: number;
  calls: number;
  errors: number;
  cascadeId: string | null;
  cascadeName: string | undefined;
  /** Retries in a row so far (the last call's `http.request.resend_count`). */
  resends: number;
}

export interface TraceBuilderOptions {
  /** A session with no call for this long (in event time) is over: its root span is emitted. */
  idleMs: number;
  /** Most sessions held open at once; past it the longest idle is closed early. */
  maxOpen: number;
  /** Service maps by workflow name: a call's serving service and its dependencies become child spans. */
  services?: ReadonlyMap<string, ServiceMap>;
}

/** The name a per-session cascade's label record gives it. */
const SESSION_CASCADE = "session-cascade";

/**
 * Turns events into spans: each call a CLIENT span named `{METHOD} {endpoint}` with the HTTP semantic
 * conventions, child of its session's root span; a session's root span is emitted once the session is
 * over, which a stream of events shows only by silence: no call for `idleMs` of event time (or the
 * end of the run). Ids come from otlp-ids, so the same events give the same spans in any batching.
 */
export class TraceBuilder {
  private readonly open = new Map<string, OpenSession>();
  private readonly cascades: CascadeBook;
  private latestMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: TraceBuilderOptions) {
    const owner = new Map<string, string>();
    for (const m of o.services?.values() ?? []) for (const [e, s] of m.owner) owner.set(e, s);
    this.cascades = new CascadeBook(owner);
  }

  /** Sessions whose root span is still to come. */
  get openSessions(): number {
    return this.open.size;
  }

  /** Remembers what label records say of cascades (name, injectors, where it started), for the spans that follow. */
  label(labels: readonly CascadeLabel[]): void {
    for (const l of labels) this.cascades.add(l);
  }

  /** Appends one CLIENT span per event, then the root spans of the sessions that are now over. */
  add(events: readonly TraceEvent[], out: SpanData[]): void {
    for (const e of events) {
      const span = this.call(e);
      out.push(span);
      const map = this.o.services?.get(e.workflow);
      const owner = map?.owner.get(e.endpoint);
      if (owner !== undefined) this.serviceSpans(e, span, map!, owner, "", 0, out);
    }
    this.expire(out);
  }

  /**
   * The work of `service` for the call, under `parent`, and of each service it depends on under it.
   * The events give no breakdown of a call's time, so each spans the whole call; the serving service
   * carries the call's status and its label, the services below carry neither (nothing says they failed).
   * In a touched call's tree, each service the call's cascade reached says at which hop
   * (`tracewalk.cascade.hop`), and the service where it started says so (`tracewalk.cascade.origin`).
   */
  private serviceSpans(
    e: TraceEvent,
    parent: SpanData,
    map: ServiceMap,
    service: string,
    path: string,
    depth: number,
    out: SpanData[],
  ): void {
    const at = path === "" ? service : `${path}/${service}`;
    const serving = depth === 0;
    const a: Attr[] = [["tracewalk.event_id", e.event_id]];
    if (serving) this.cascadeAttributes(e.cascade_id, this.nameOf(e), a);
    const hop = e.cascade_id === null ? undefined : this.cascades.reached(e.cascade_id)?.get(service);
    if (hop !== undefined) {
      a.push(["tracewalk.cascade.hop", hop]);
      if (hop === 0) a.push(["tracewalk.cascade.origin", true]);
    }
    const span: SpanData = {
      traceId: parent.traceId,
      spanId: serviceSpanIdOf(e.event_id, at),
      parentSpanId: parent.spanId,
      name: serving ? `${e.method} ${e.endpoint}` : `${service}`,
      kind: serving ? SpanKind.SERVER : SpanKind.INTERNAL,
      startMs: parent.startMs,
      endMs: parent.endMs,
      attributes: a,
      status: serving ? parent.status : StatusCode.UNSET,
      service,
    };
    out.push(span);
    if (depth >= MAX_SERVICE_DEPTH) return;
    for (const d of map.dependsOn.get(service) ?? []) this.serviceSpans(e, span, map, d, at, depth + 1, out);
  }

  /** Appends the root spans of every open session (the run ends). */
  closeAll(out: SpanData[]): void {
    for (const s of this.open.values()) out.push(this.root(s));
    this.open.clear();
  }

  private call(e: TraceEvent): SpanData {
    const known = EngineEvent.timestampMs(e);
    const startMs = known < 0 ? Date.parse(e.timestamp) : known;
    const endMs = startMs + e.response_time_ms;
    const s = this.session(e, startMs);
    s.endMs = Math.max(s.endMs, endMs);
    s.calls++;
    s.resends = e.is_retry ? s.resends + 1 : 0;
    if (endMs > this.latestMs) this.latestMs = endMs;
    const failed = e.status_code === 0 || e.status_code >= 500;
    if (failed) s.errors++;
    if (e.cascade_id !== null && s.cascadeId === null) {
      s.cascadeId = e.cascade_id;
      s.cascadeName = this.nameOf(e);
    }
    return {
      traceId: s.traceId,
      spanId: callSpanIdOf(e.event_id),
      parentSpanId: s.spanId,
      name: `${e.method} ${e.endpoint}`,
      kind: SpanKind.CLIENT,
      startMs,
      endMs,
      attributes: this.callAttributes(e, s.resends),
      status: failed ? StatusCode.ERROR : StatusCode.UNSET,
    };
  }

  private callAttributes(e: TraceEvent, resends: number): Attr[] {
    const a: Attr[] = [
      ["http.request.method", e.method],
      ["http.route", e.endpoint],
      ["url.path", e.path],
      ["session.id", e.session_id],
      ["tracewalk.event_id", e.event_id],
      ["tracewalk.call_index", e.call_index],
    ];
    if (e.status_code !== 0) a.push(["http.response.status_code", e.status_code]);
    // Semantic conventions: the status code for an HTTP failure, the kind for a network one.
    if (e.status_code === 0) a.push(["error.type", e.error ?? "_OTHER"]);
    else if (e.status_code >= 400) a.push(["error.type", String(e.status_code)]);
    if (e.is_retry) a.push(["http.request.resend_count", resends]);
    if (e.cascade_id === null) return a;
    this.cascadeAttributes(e.cascade_id, this.nameOf(e), a);
    const bits = effectsOf(e);
    // Only what tracewalk itself applied (its chain, or in HTTP mode the client injector's timeouts and
    // retries); what a proxy or the network did is not known per call: the injectors are named instead.
    if ((bits & Effect.DRAWN) !== 0) a.push(["tracewalk.cascade.effect", effectNames(bits)]);
    const by = this.cascades.get(e.cascade_id)?.injectedBy;
    if (by != null) a.push(["tracewalk.cascade.injected_by", by]);
    return a;
  }

  /** The call's cascade's name: the per-session cascade's by its effect bits, a window's by its label. */
  private nameOf(e: TraceEvent): string | undefined {
    if (e.cascade_id === null) return undefined;
    if ((effectsOf(e) & Effect.SESSION) !== 0) return SESSION_CASCADE;
    return this.cascades.get(e.cascade_id)?.name;
  }

  private cascadeAttributes(cascadeId: string | null, name: string | undefined, a: Attr[]): void {
    if (cascadeId === null) return;
    a.push(["tracewalk.cascade", true], ["tracewalk.cascade_id", cascadeId]);
    if (name !== undefined) a.push(["tracewalk.cascade.name", name]);
  }

  /** The session's state, moved to the back of the map: the map stays ordered by last activity. */
  private session(e: TraceEvent, startMs: number): OpenSession {
    let s = this.open.get(e.session_id);
    if (s === undefined) {
      s = {
        id: e.session_id,
        traceId: traceIdOf(e.session_id),
        spanId: sessionSpanIdOf(e.session_id),
        workflow: e.workflow,
        userId: e.user_id,
        userType: e.user_type,
        startMs,
        endMs: startMs,
        calls: 0,
        errors: 0,
        cascadeId: null,
        cascadeName: undefined,
        resends: 0,
      };
    } else this.open.delete(e.session_id);
    this.open.set(e.session_id, s);
    return s;
  }

  private expire(out: SpanData[]): void {
    const before = this.latestMs - this.o.idleMs;
    for (const s of this.open.values()) {
      if (s.endMs >= before && this.open.size <= this.o.maxOpen) break;
      this.open.delete(s.id);
      out.push(this.root(s));
    }
  }

  private root(s: OpenSession): SpanData {
    const a: Attr[] = [
      ["session.id", s.id],
      ["user.id", s.userId],
      ["tracewalk.workflow", s.workflow],
      ["tracewalk.user_type", s.userType],
      ["tracewalk.calls", s.calls],
    ];
    if (s.errors > 0) a.push(["tracewalk.failed_calls", s.errors]);
    this.cascadeAttributes(s.cascadeId, s.cascadeName, a);
    return {
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: null,
      name: `session ${s.workflow}`,
      kind: SpanKind.INTERNAL,
      startMs: s.startMs,
      endMs: s.endMs,
      attributes: a,
      status: StatusCode.UNSET,
    };
  }
}
