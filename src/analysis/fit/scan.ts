import type { PathParams } from "../../recordings/index.js";
import type { FitCall } from "./learner.js";

/**
 * A fast path for Event v1 lines in tracewalk's own field order (EVENT_FIELDS) without escapes: the
 * fields fit needs are read in place instead of building the whole object with JSON.parse. Any
 * surprise (another order, a backslash, a field of the wrong kind, a line not closed by `}`) returns
 * undefined and the caller parses the line with JSON.parse, so what fit learns is the same either way.
 * Fields fit does not read (event_id, workflow, user_id, cascade_id) are skipped, not checked.
 */
export function scanEvent(text: string, paths: PathParams): FitCall | undefined {
  if (text.charCodeAt(text.length - 1) !== 125 || text.includes("\\")) return undefined;
  const c = new Cursor(text);
  if (!c.skipString('{"event_id":"')) return undefined;
  const timestamp = c.string('","timestamp":"');
  if (!c.skipString('","workflow":"') || !c.skipString('","user_id":"')) return undefined;
  const userType = c.string('","user_type":"');
  const key = c.string('","session_id":"');
  const callIndex = c.number('","call_index":');
  const endpoint = c.string(',"endpoint":"');
  const path = c.string('","path":"');
  const method = c.string('","method":"');
  const params = c.params();
  const status = c.number(',"status_code":');
  const latencyMs = c.number(',"response_time_ms":');
  const isRetry = c.boolean(',"is_retry":');
  if (c.failed || !Number.isSafeInteger(callIndex)) return undefined;
  const at = isoMs(timestamp);
  if (Number.isNaN(at)) return undefined;
  if (endpoint.includes("{")) Object.assign(params, paths.of(endpoint, path));
  return { key, endpoint, method, status, latencyMs, at, callIndex, isRetry, userType, params };
}

class Cursor {
  pos = 0;
  failed = false;

  constructor(private readonly text: string) {}

  /** Expects `prefix` at the cursor, then moves past the string value that follows to its closing quote. */
  skipString(prefix: string): boolean {
    return this.string(prefix) !== "" || !this.failed;
  }

  /** Expects `prefix` (ending in an opening quote), returns the string up to the next quote. */
  string(prefix: string): string {
    if (this.failed || !this.text.startsWith(prefix, this.pos)) return this.fail("");
    const from = this.pos + prefix.length;
    const end = this.text.indexOf('"', from);
    if (end < 0) return this.fail("");
    this.pos = end;
    return this.text.slice(from, end);
  }

  /** Expects `prefix`, returns the number up to the next comma (left at the cursor). */
  number(prefix: string): number {
    if (this.failed || !this.text.startsWith(prefix, this.pos)) return this.fail(Number.NaN);
    const from = this.pos + prefix.length;
    const end = this.text.indexOf(",", from);
    const n = end <= from ? Number.NaN : Number(this.text.slice(from, end));
    if (!Number.isFinite(n)) return this.fail(Number.NaN);
    this.pos = end;
    return n;
  }

  boolean(prefix: string): boolean {
    if (this.failed || !this.text.startsWith(prefix, this.pos)) return this.fail(false);
    const from = this.pos + prefix.length;
    if (this.text.startsWith("true", from)) return true;
    if (this.text.startsWith("false", from)) return false;
    return this.fail(false);
  }

  /** `,"params":{...}` up to `,"status_code":`; the object itself through JSON.parse (it is small). */
  params(): Record<string, string | number> {
    const prefix = '","params":';
    if (this.failed || !this.text.startsWith(prefix, this.pos)) return this.fail({});
    const from = this.pos + prefix.length;
    if (this.text.startsWith("{}", from)) {
      this.pos = from + 2;
      return {};
    }
    const end = this.text.indexOf(',"status_code":', from);
    if (end < 0 || this.text.charCodeAt(from) !== 123) return this.fail({});
    try {
      const value: unknown = JSON.parse(this.text.slice(from, end));
      if (typeof value !== "object" || value === null || Array.isArray(value)) return this.fail({});
      this.pos = end;
      return value as Record<string, string | number>;
    } catch {
      return this.fail({});
    }
  }

  private fail<T>(value: T): T {
    this.failed = true;
    return value;
  }
}

let dayText = "";
let dayMs = Number.NaN;

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

/** `2026-01-01T16:49:35.744Z` (the form tracewalk writes) as epoch ms; other forms through Date.parse. */
export function isoMs(ts: string): number {
  if (ts.length !== 24 || ts.charCodeAt(10) !== 84 || ts.charCodeAt(23) !== 90 || ts.charCodeAt(19) !== 46) {
    return Date.parse(ts);
  }
  const day = ts.slice(0, 10);
  if (day !== dayText) {
    dayText = day;
    dayMs = Date.parse(`${day}T00:00:00.000Z`);
  }
  const h = digits(ts, 11, 2);
  const m = digits(ts, 14, 2);
  const s = digits(ts, 17, 2);
  const ms = digits(ts, 20, 3);
  if (h > 23 || m > 59 || s > 59 || ts.charCodeAt(13) !== 58 || ts.charCodeAt(16) !== 58)
    return Date.parse(ts);
  return dayMs + ((h * 60 + m) * 60 + s) * 1000 + ms;
}
