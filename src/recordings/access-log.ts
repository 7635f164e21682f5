import { HTTP_METHODS, type HttpMethod } from "../event/methods.js";
import { invalidInput as invalid } from "./input.js";
import { Interner, type RawSession, sortByTime } from "./raw.js";
import type { RecordedCall } from "./types.js";

/** The session fields of every session read from an access log. */
export const LOG_USER_TYPE = "replayed";
export const LOG_WORKFLOW = "replay";

const EXPECTED =
  'expected the combined or common log format: ADDR IDENT USER [TIME] "REQUEST" STATUS BYTES ' +
  '["REFERER" "USER-AGENT" [MORE]] [REQUEST_TIME]';

// A quoted field: Apache escapes `"` inside as `\"`, nginx as `\x22`; both pass here.
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
// Groups: address, user, time, request, status, the quoted referer and user agent (and the user agent
// alone), the rest of the line.
const LINE = new RegExp(
  `^(\\S+) \\S+ (\\S+) \\[([^\\]]+)\\] "((?:[^"\\\\]|\\\\.)*)" (\\d{3}) (?:\\d+|-)( ${QUOTED} (${QUOTED}))?((?: .*)?)$`,
);
// After the user agent, formats add fields (nginx's stock `main` adds "$http_x_forwarded_for"): they
// are ignored, but for a last unquoted number, which is $request_time in seconds. Without a user
// agent (the common format), only that number may follow.
const REQUEST_TIME = / (\d+(?:\.\d+)?|-)$/;
const TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** `10/Oct/2000:13:55:36 -0700` as epoch ms, the offset applied exactly; NaN when it is no such time. */
export function parseLogTime(text: string): number {
  const m = TIME.exec(text);
  if (m === null) return Number.NaN;
  const [day, mon, year, h, min, s, sign, oh, om] = m.slice(1) as [string, ...string[]];
  const month = MONTHS.indexOf(mon!);
  const local = Date.UTC(Number(year), month, Number(day), Number(h), Number(min), Number(s));
  const d = new Date(local);
  // Date.UTC rolls 31/Feb over to March; a real log never writes that, so it is an error.
  const exact =
    month >= 0 && d.getUTCDate() === Number(day) && Number(h) < 24 && Number(min) < 60 && Number(s) < 60;
  if (!exact || Number(om) >= 60) return Number.NaN;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  return sign === "+" ? local - offset : local + offset;
}

/** The call of one log line, `at` in epoch ms, and the client address it came from. */
export interface LogCall {
  addr: string;
  /** The quoted user agent as written (quotes included); "" in the common format. */
  agent: string;
  /** The authenticated user (the log's third field), or "-". */
  user: string;
  call: RecordedCall;
}

/** Path (without the query) and query of a request target; null when it is no origin or absolute URL. */
function splitTarget(target: string): { path: string; query: string } | null {
  let t = target;
  if (/^https?:\/\//i.test(t)) {
    try {
      const u = new URL(t);
      t = `${u.pathname}${u.search}`;
    } catch {
      return null;
    }
  }
  if (!t.startsWith("/")) return null;
  const q = t.indexOf("?");
  return q < 0 ? { path: t, query: "" } : { path: t.slice(0, q), query: t.slice(q + 1) };
}

/** Query parameters decoded (`+` is a space, as in forms); values stay strings; a repeated key keeps its last value. */
export function queryParams(query: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (query === "") return params;
  for (const [k, v] of new URLSearchParams(query)) params[k] = v;
  return params;
}

/**
 * Parses one combined (or common) log line. Returns null for a well-formed line that is no replayable
 * call (a method other than GET, POST, PUT, DELETE, PATCH; a request line such as `-` or binary junk);
 * throws naming `where` for a line that is not in the format at all or whose time is wrong.
 */
export function parseLogLine(text: string, where: string, strings = new Interner()): LogCall | null {
  const m = LINE.exec(text.trimEnd());
  if (m === null) throw invalid(where, `${EXPECTED}; got ${excerpt(text)}`);
  const [, addr, user, time, request, status, agent, userAgent, rest] = m as unknown as string[];
  const requestTime = REQUEST_TIME.exec(rest!)?.[1];
  const commonTail = rest === "" || (requestTime !== undefined && rest === ` ${requestTime}`);
  if (agent === undefined && !commonTail) throw invalid(where, `${EXPECTED}; got ${excerpt(text)}`);
  const at = parseLogTime(time!);
  if (Number.isNaN(at))
    throw invalid(where, `bad time [${time}] (expected like [10/Oct/2000:13:55:36 -0700])`);
  const parts = request!.split(" ");
  if (parts.length < 2 || parts.length > 3) return null;
  const [method, target, protocol] = parts as [string, string, string | undefined];
  if (!HTTP_METHODS.includes(method as HttpMethod)) return null;
  if (protocol !== undefined && !protocol.startsWith("HTTP/")) return null;
  const split = splitTarget(target);
  if (split === null) return null;
  const path = strings.of(split.path);
  const latency = requestTime === undefined || requestTime === "-" ? 0 : Number(requestTime);
  return {
    addr: strings.of(addr!),
    agent: userAgent === undefined ? "" : strings.of(userAgent),
    user: user!,
    call: {
      at,
      method: method as HttpMethod,
      path,
      endpoint: path,
      params: queryParams(split.query),
      status: Number(status),
      latencyMs: Math.round(latency * 1e6) / 1e3,
      isRetry: false,
      cascadeId: null,
    },
  };
}

/**
 * The one rule that groups a log's calls by client, for fit and replay alike: the authenticated user
 * where the log has one (a logged-in user keeps one session across addresses), else the address and
 * user agent (two browsers behind one NAT are two clients).
 */
export function sessionKey(got: LogCall): string {
  return got.user === "-" ? `${got.addr} ${got.agent}` : `user ${got.user}`;
}

/**
 * Whether a call at `at` starts a new session of its client: after `gapMs` or more of silence since
 * the last response came back (`lastEnd`, epoch ms). fit and replay split sessions by this one rule.
 */
export function endsSession(lastEnd: number, at: number, gapMs: number): boolean {
  return at - lastEnd >= gapMs;
}

interface Client {
  userId: string;
  calls: RecordedCall[];
}

/**
 * Collects a log's calls by client (sessionKey) and splits each client's calls (any order) into
 * sessions at `gapMs` of silence or more (endsSession): user the log's user, else the address; ids `<user>-<n>`
 * from 1, counted per user in time order; clients in order of their first line.
 */
export class LogSessions {
  private readonly clients = new Map<string, Client>();

  add(got: LogCall): void {
    const key = sessionKey(got);
    let client = this.clients.get(key);
    if (client === undefined) {
      client = { userId: got.user === "-" ? got.addr : got.user, calls: [] };
      this.clients.set(key, client);
    }
    client.calls.push(got.call);
  }

  sessions(gapMs: number): RawSession[] {
    const sessions: RawSession[] = [];
    const counts = new Map<string, number>();
    for (const { userId, calls } of this.clients.values()) {
      sortByTime(calls);
      let current: RecordedCall[] = [];
      let lastEnd = Number.NEGATIVE_INFINITY;
      for (let i = 0; i <= calls.length; i++) {
        const call = calls[i];
        if (current.length > 0 && (call === undefined || endsSession(lastEnd, call.at, gapMs))) {
          const n = (counts.get(userId) ?? 0) + 1;
          counts.set(userId, n);
          sessions.push({
            sessionId: `${userId}-${n}`,
            userId,
            userType: LOG_USER_TYPE,
            workflow: LOG_WORKFLOW,
            calls: current,
          });
          current = [];
        }
        if (call !== undefined) {
          current.push(call);
          lastEnd = Math.max(lastEnd, call.at + call.latencyMs);
        }
      }
    }
    return sessions;
  }
}
