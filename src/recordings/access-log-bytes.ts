import { HTTP_METHODS, type HttpMethod } from "../event/methods.js";
import { type LogCall, parseLogTime, queryParams } from "./access-log.js";
import { Interner } from "./raw.js";

/**
 * A combined or common log line read from its bytes, for lines of the plainest shape only: printable
 * ASCII and single spaces, no backslash, no bracket or quote inside the first three fields, the
 * request target a path. For such a line it gives what parseLogLine gives (a call, or null for a
 * request that is no call); for any other line it returns undefined and the caller asks parseLogLine,
 * which also words the errors.
 */
export class LogLineScanner {
  // The last day and offset seen (see time()) and its midnight in epoch ms.
  private readonly day = new Uint8Array(17);
  private dayAt = Number.NaN;

  constructor(private readonly strings: Interner = new Interner()) {}

  scan(b: Buffer, start: number, end: number): LogCall | null | undefined {
    if (!plain(b, start, end)) return undefined;
    const addrEnd = token(b, start, end);
    const identEnd = addrEnd < 0 ? -1 : token(b, addrEnd + 1, end);
    const userEnd = identEnd < 0 ? -1 : token(b, identEnd + 1, end);
    if (userEnd < 0 || b[userEnd + 1] !== 91) return undefined;
    const timeEnd = b.indexOf(93, userEnd + 2);
    if (timeEnd < 0 || timeEnd >= end || b[timeEnd + 1] !== 32 || b[timeEnd + 2] !== 34) return undefined;
    const reqEnd = b.indexOf(34, timeEnd + 3);
    if (reqEnd < 0 || reqEnd >= end || b[reqEnd + 1] !== 32) return undefined;
    let p = reqEnd + 2;
    const status = threeDigits(b, p, end);
    if (status < 0 || b[p + 3] !== 32) return undefined;
    p = bytesField(b, p + 4, end);
    if (p < 0) return undefined;
    let agent: string | undefined;
    if (b[p] === 32 && b[p + 1] === 34) {
      const refEnd = b.indexOf(34, p + 2);
      if (refEnd < 0 || refEnd >= end || b[refEnd + 1] !== 32 || b[refEnd + 2] !== 34) return undefined;
      const agentEnd = b.indexOf(34, refEnd + 3);
      if (agentEnd < 0 || agentEnd >= end || (agentEnd + 1 < end && b[agentEnd + 1] !== 32)) return undefined;
      agent = b.toString("latin1", refEnd + 2, agentEnd + 1);
      p = agentEnd + 1;
    }
    const latency = requestTime(b, p, end, agent !== undefined);
    if (latency === undefined) return undefined;
    const at = this.time(b, userEnd + 2, timeEnd);
    if (Number.isNaN(at)) return undefined;
    const user = b.toString("latin1", identEnd + 1, userEnd);
    return this.call(b.toString("latin1", timeEnd + 3, reqEnd), {
      addr: b.toString("latin1", start, addrEnd),
      agent: agent ?? "",
      user,
      at,
      status,
      latency,
    });
  }

  private call(request: string, f: Fields): LogCall | null | undefined {
    const parts = request.split(" ");
    if (parts.length < 2 || parts.length > 3) return null;
    const [method, target, protocol] = parts as [string, string, string | undefined];
    if (!HTTP_METHODS.includes(method as HttpMethod)) return null;
    if (protocol !== undefined && !protocol.startsWith("HTTP/")) return null;
    // An absolute URL goes through parseLogLine's URL parsing.
    if (/^https?:\/\//i.test(target)) return undefined;
    if (!target.startsWith("/")) return null;
    const q = target.indexOf("?");
    const path = this.strings.of(q < 0 ? target : target.slice(0, q));
    return {
      addr: this.strings.of(f.addr),
      agent: f.agent === "" ? "" : this.strings.of(f.agent),
      user: f.user,
      call: {
        at: f.at,
        method: method as HttpMethod,
        path,
        endpoint: path,
        params: queryParams(q < 0 ? "" : target.slice(q + 1)),
        status: f.status,
        latencyMs: Math.round(f.latency * 1e6) / 1e3,
        isRetry: false,
        cascadeId: null,
      },
    };
  }

  /**
   * `10/Oct/2000:13:55:36 -0700` at `b[from, to)` as parseLogTime reads it: the day and offset (the
   * text around the clock) parsed by it once per distinct day, the clock read from its digits.
   */
  private time(b: Buffer, from: number, to: number): number {
    if (to - from !== 26 || b[from + 11] !== 58 || b[from + 14] !== 58 || b[from + 17] !== 58) {
      return parseLogTime(b.toString("latin1", from, to));
    }
    const h = digits2(b, from + 12);
    const m = digits2(b, from + 15);
    const s = digits2(b, from + 18);
    if (!(h < 24 && m < 60 && s < 60) || b[from + 20] !== 32)
      return parseLogTime(b.toString("latin1", from, to));
    if (!sameBytes(this.day, b, from)) {
      b.copy(this.day, 0, from, from + 11);
      b.copy(this.day, 11, from + 20, from + 26);
      // The day's midnight with the offset applied, through parseLogTime itself (NaN for no such day).
      this.dayAt = parseLogTime(
        `${b.toString("latin1", from, from + 11)}:00:00:00${b.toString("latin1", from + 20, to)}`,
      );
    }
    return this.dayAt + ((h * 60 + m) * 60 + s) * 1000;
  }
}

/** Whether `b` holds `day` (11 bytes of `dd/Mon/yyyy`, 6 of ` ±hhmm`) at `from` and `from + 20`. */
function sameBytes(day: Uint8Array, b: Buffer, from: number): boolean {
  for (let i = 0; i < 11; i++) if (day[i] !== b[from + i]) return false;
  for (let i = 11; i < 17; i++) if (day[i] !== b[from + 9 + i]) return false;
  return true;
}

function digits2(b: Buffer, p: number): number {
  const x = b[p]! - 48;
  const y = b[p + 1]! - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : Number.NaN;
}

interface Fields {
  addr: string;
  agent: string;
  user: string;
  at: number;
  status: number;
  latency: number;
}

/** Printable ASCII and spaces, no backslash, not starting or ending with a space (nothing to trim). */
function plain(b: Buffer, start: number, end: number): boolean {
  if (end - start < 10 || b[start] === 32 || b[end - 1] === 32) return false;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 32 || c > 126 || c === 92 || (c === 32 && b[i + 1] === 32)) return false;
  }
  return true;
}

/** The end (a space) of a field of 1+ bytes without brackets or quotes, or -1. */
function token(b: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = b[i]!;
    if (c === 32) return i > from ? i : -1;
    if (c === 34 || c === 91 || c === 93) return -1;
  }
  return -1;
}

function threeDigits(b: Buffer, p: number, end: number): number {
  if (p + 3 > end) return -1;
  let v = 0;
  for (let i = p; i < p + 3; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** After the status: digits or `-`; the position after it (end, or a space), or -1. */
function bytesField(b: Buffer, p: number, end: number): number {
  let i = p;
  if (b[i] === 45) i++;
  else while (i < end && b[i]! >= 48 && b[i]! <= 57) i++;
  return i > p && (i === end || b[i] === 32) ? i : -1;
}

/**
 * The request time in seconds from what follows (0 when there is none or it is `-`); undefined where
 * parseLogLine would refuse the line or read it otherwise (the common format with more fields).
 */
function requestTime(b: Buffer, p: number, end: number, combined: boolean): number | undefined {
  if (p === end) return 0;
  const rest = b.toString("latin1", p, end);
  const m = / (\d+(?:\.\d+)?|-)$/.exec(rest);
  if (!combined && (m === null || rest !== ` ${m[1]}`)) return undefined;
  return m === null || m[1] === "-" ? 0 : Number(m[1]);
}
