import { type CascadeLabel, EngineEvent, type TraceEvent } from "../event/index.js";
import { Histogram } from "./histogram.js";
import { Timeline } from "./timeline.js";

/** The tags a threshold may filter on, and by which a series is kept. */
export interface SeriesTags {
  workflow: string;
  endpoint: string;
  method: string;
  /** HTTP status; 0: no response (HTTP mode's network errors). */
  status: number;
}

/** Every call with the same tags: how many, and their latencies (raw, and from intended send time). */
export interface Series extends SeriesTags {
  hist: Histogram;
  /** Open model in HTTP mode: latency from the intended send time (coordinated omission corrected). */
  corrected: Histogram | null;
}

/** A call failed: no response, or a 4xx/5xx status (k6's http_req_failed). */
export const isFailed = (status: number) => status === 0 || status >= 400;

/** "2xx" … "5xx", or "error" without a response. */
export const statusClass = (status: number) => (status === 0 ? "error" : `${Math.floor(status / 100)}xx`);

/** A cascade window as the report shades it. */
export interface WindowSpan {
  cascade_id: string;
  name: string;
  start: string;
  end: string;
}

/** Most windows kept for the report (a drill has a few; beyond this the report shades the first). */
const MAX_WINDOWS = 1000;

/**
 * Watches the events of a run as they go to the sinks and keeps what the summary needs: per series
 * (workflow, endpoint, method, status) a count and a latency histogram, a coarsening timeline, the
 * cascade windows, and the schedule lag of each batch. Memory is bounded by the number of series and bins, not by the run's length.
 */
export class SummaryRecorder {
  /** Series by endpoint, then scanned (few per endpoint): no string is built per event. */
  private readonly byEndpoint = new Map<string, Series[]>();
  readonly timeline = new Timeline();
  private readonly windows = new Map<string, WindowSpan>();
  /** How far wall time ran behind the schedule when each batch was due (ms; 0 at `max` speed). */
  readonly lag = new Histogram();
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;

  /** Records a batch of events (the sinks' view of the run). */
  observe(batch: readonly TraceEvent[]): void {
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      const s = this.seriesOf(e.workflow, e.endpoint, e.method, e.status_code);
      s.hist.record(e.response_time_ms);
      // The engine's events keep the numbers their timestamp was written from: no text to read back.
      const known = EngineEvent.timestampMs(e);
      const t = known < 0 ? this.eventMs(e.timestamp) : known;
      if (t < this.firstMs) this.firstMs = t;
      if (t > this.lastMs) this.lastMs = t;
      this.timeline.record(t, e.endpoint, e.response_time_ms, isFailed(e.status_code));
    }
  }

  private secPrefix = "";
  private secMs = 0;

  /**
   * Epoch ms of an event's timestamp. Events carry "YYYY-MM-DDTHH:MM:SS.mmmZ" and come in bursts of the
   * same second: the second is parsed once, the milliseconds read off (Date.parse per event costs more
   * than all the rest of the recording).
   */
  private eventMs(ts: string): number {
    if (ts.length !== 24 || ts.charCodeAt(19) !== 46 /* . */ || ts.charCodeAt(23) !== 90 /* Z */) {
      return Date.parse(ts);
    }
    // The second compared in place: no string made per event.
    if (this.secPrefix === "" || !ts.startsWith(this.secPrefix)) {
      this.secPrefix = ts.slice(0, 19);
      this.secMs = Date.parse(`${this.secPrefix}Z`);
    }
    const c = (i: number) => ts.charCodeAt(i) - 48;
    return this.secMs + c(20) * 100 + c(21) * 10 + c(22);
  }

  /** Records the latency of one call measured from its intended send time (open model, HTTP mode). */
  observeCorrected(tags: SeriesTags, ms: number): void {
    const s = this.seriesOf(tags.workflow, tags.endpoint, tags.method, tags.status);
    s.corrected ??= new Histogram();
    s.corrected.record(ms);
  }

  /** Records the schedule lag of one batch: wall ms its first call was overdue by when it went out. */
  observeLag(ms: number): void {
    this.lag.record(ms);
  }

  /** Keeps the scheduled and triggered windows (records with a `state`) for the report. */
  observeLabels(labels: readonly CascadeLabel[]): void {
    for (const l of labels) {
      if (l.state === undefined) continue; // a per-session cascade: no window to shade
      if (!this.windows.has(l.cascade_id) && this.windows.size >= MAX_WINDOWS) continue;
      this.windows.set(l.cascade_id, { cascade_id: l.cascade_id, name: l.name, start: l.start, end: l.end });
    }
  }

  /** Every series, in a stable order (workflow, endpoint, method, status). */
  series(): Series[] {
    const all = [...this.byEndpoint.values()].flat();
    return all.sort(compareTags);
  }

  /** The windows seen, by start. */
  cascadeWindows(): WindowSpan[] {
    return [...this.windows.values()].sort((a, b) => cmp(a.start, b.start));
  }

  private seriesOf(workflow: string, endpoint: string, method: string, status: number): Series {
    let list = this.byEndpoint.get(endpoint);
    if (list === undefined) {
      list = [];
      this.byEndpoint.set(endpoint, list);
    }
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.status === status && s.workflow === workflow && s.method === method) return s;
    }
    const s: Series = { workflow, endpoint, method, status, hist: new Histogram(), corrected: null };
    list.push(s);
    return s;
  }
}

/** Orders series by their tags, so that a summary's bytes do not depend on arrival order. */
export function compareTags(a: SeriesTags, b: SeriesTags): number {
  return (
    cmp(a.workflow, b.workflow) ||
    cmp(a.endpoint, b.endpoint) ||
    cmp(a.method, b.method) ||
    a.status - b.status
  );
}

/** Code-unit order: the same on every machine, whatever its locale. */
export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
