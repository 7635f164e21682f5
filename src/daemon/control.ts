import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseDuration } from "../config/duration.js";
import type { Logger } from "./log.js";

/** What the control API acts on: the running daemon. */
export interface ControlTarget {
  readonly paused: boolean;
  pause(): void;
  resume(): void;
  /** Applies a load change; returns why not, or null. */
  setLoad(change: { arrival_rate: number } | { users: number }): string | null;
  /** A JSON-able picture of the run for `GET /control/status`. */
  status(): Record<string, unknown>;
  /** Each cascade, its schedule, its open windows and the next one (`GET /control/cascades`). */
  cascades(): Record<string, unknown>[];
  /** Opens a window of cascade `name` now; returns its id, or why not (`status`: 404 unknown, 409 refused). */
  trigger(name: string, durationMs?: number): { cascade_id: string; start: string; end: string } | Refusal;
  /** Closes an open window now; returns it, or why not. */
  abort(cascadeId: string): { cascade_id: string; start: string; end: string } | Refusal;
}

/** Why the daemon did not do what was asked, and the HTTP status that says so. */
export interface Refusal {
  status: 404 | 409;
  error: string;
}

/** Handles one request under `/control/`; the metrics server calls it for those paths only. */
export type ControlHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/** Actions of the control API, the label values of `tracewalk_control_actions_total`. */
export const CONTROL_ACTIONS = ["pause", "resume", "load", "trigger", "abort"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** Largest request body read (a load change is a few bytes). */
const MAX_BODY = 4096;

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** Compares digests of equal length, so the time taken says nothing about the token. */
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  if (m === null) return false;
  return timingSafeEqual(createHash("sha256").update(m[1]!).digest(), expected);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error(`body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text.trim() === "" ? {} : JSON.parse(text);
}

/** The load change a body asks for, or why it is not one. */
function loadChange(body: unknown): { arrival_rate: number } | { users: number } | string {
  const b = (body ?? {}) as Record<string, unknown>;
  const keys = Object.keys(b);
  if (keys.length !== 1 || !(keys[0] === "arrival_rate" || keys[0] === "users")) {
    return 'expected {"arrival_rate": N} (open model) or {"users": N} (closed model)';
  }
  const n = b[keys[0]];
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return `${keys[0]}: expected a number >= 0`;
  if (keys[0] === "users") return Number.isInteger(n) ? { users: n } : "users: expected an integer";
  return { arrival_rate: n };
}

/** `?duration=5m` of a trigger, in ms; undefined when absent; a string when it is not a duration. */
function durationParam(url: string | undefined): number | undefined | string {
  const q = new URLSearchParams((url ?? "").split("?")[1] ?? "");
  const d = q.get("duration");
  if (d === null) return undefined;
  try {
    const ms = parseDuration(d);
    return ms > 0 ? ms : "duration: expected a duration > 0, e.g. 5m";
  } catch {
    return `duration: expected a duration such as 90s or 5m, got "${d}"`;
  }
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

const TRIGGER = /^\/control\/cascades\/([^/]+)\/trigger$/;
const ABORT = /^\/control\/windows\/([^/]+)\/abort$/;

/**
 * The control API (on the metrics server, off unless a token is configured): every request needs
 * `Authorization: Bearer <token>`. Each action is logged and counted through `counted`.
 */
export function controlHandler(
  token: string,
  target: ControlTarget,
  log: Logger,
  counted: (action: ControlAction) => void,
): ControlHandler {
  const expected = createHash("sha256").update(token).digest();
  const act = (res: ServerResponse, action: ControlAction, fields: Record<string, unknown>) => {
    counted(action);
    log.info({ control: action, ...fields }, `control: ${action}`);
    reply(res, 200, { ok: true, ...target.status() });
  };
  return async (req, res, path) => {
    if (!tokenMatches(req.headers.authorization, expected)) {
      res.setHeader("www-authenticate", 'Bearer realm="tracewalk control"');
      reply(res, 401, { error: "missing or wrong bearer token" });
      return;
    }
    const route = `${req.method} ${path}`;
    if (route === "GET /control/status") return reply(res, 200, target.status());
    if (route === "POST /control/pause") {
      target.pause();
      return act(res, "pause", {});
    }
    if (route === "POST /control/resume") {
      target.resume();
      return act(res, "resume", {});
    }
    if (route === "POST /control/load") {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        return reply(res, 400, { error: `invalid body: ${(err as Error).message}` });
      }
      const change = loadChange(body);
      if (typeof change === "string") return reply(res, 400, { error: change });
      const problem = target.setLoad(change);
      if (problem !== null) return reply(res, 409, { error: problem });
      return act(res, "load", change);
    }
    if (route === "GET /control/cascades") return reply(res, 200, { cascades: target.cascades() });
    const trigger = req.method === "POST" ? TRIGGER.exec(path) : null;
    if (trigger !== null) {
      const name = decoded(trigger[1]!);
      const duration = durationParam(req.url);
      if (typeof duration === "string") return reply(res, 400, { error: duration });
      const w = target.trigger(name, duration);
      if ("error" in w) return reply(res, w.status, { error: w.error });
      counted("trigger");
      log.info({ control: "trigger", cascade: name, ...w }, "control: trigger");
      return reply(res, 200, { ok: true, ...w });
    }
    const abort = req.method === "POST" ? ABORT.exec(path) : null;
    if (abort !== null) {
      const w = target.abort(decoded(abort[1]!));
      if ("error" in w) return reply(res, w.status, { error: w.error });
      counted("abort");
      log.info({ control: "abort", ...w }, "control: abort");
      return reply(res, 200, { ok: true, ...w });
    }
    reply(res, 404, {
      error:
        `no ${route}: try GET /control/status, GET /control/cascades, POST /control/pause, /control/resume, ` +
        "/control/load, /control/cascades/{name}/trigger, /control/windows/{cascade_id}/abort",
    });
  };
}
