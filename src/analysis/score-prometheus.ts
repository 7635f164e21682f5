// Alerts that really fired, read from Prometheus: the onsets of ALERTS{alertname, alertstate="firing"}
// over a time span, through the HTTP API (GET /api/v1/rules, /api/v1/query_range).
import { ErrorCode, TwError } from "../errors.js";

export interface PrometheusAlertQuery {
  /** Base URL of the server, e.g. http://127.0.0.1:9090 (a path prefix is kept). */
  url: string;
  alert: string;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Query resolution, ms: set it to the rule group's evaluation interval. */
  stepMs: number;
  /** Bound of each HTTP request, ms. */
  timeoutMs: number;
}

/** Prometheus refuses more than 11,000 points per series; a longer span is read in chunks. */
const MAX_POINTS = 10_000;

function badArgs(message: string): TwError {
  return new TwError(ErrorCode.ARGS_INVALID, message);
}

/** The server's base URL, or exit 2 naming the flag. */
export function prometheusBase(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badArgs(`--prometheus: expected an http(s) URL such as http://127.0.0.1:9090, got "${url}"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw badArgs(`--prometheus: expected an http(s) URL, got "${url}"`);
  }
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return u;
}

interface ApiAnswer {
  status?: string;
  error?: string;
  data?: unknown;
}

/** One API call, bounded by the timeout. Unreachable or 5xx: exit 1; not a Prometheus API: exit 2. */
async function api(base: URL, path: string, params: Record<string, string>, timeoutMs: number) {
  const u = new URL(path, base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  const name = `--prometheus ${base.origin}${base.pathname.replace(/\/$/, "")}`;
  let res: Response;
  try {
    res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why =
      e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.message);
    throw new TwError(ErrorCode.SOURCE_UNAVAILABLE, `${name}: cannot reach ${path} (${why})`, { cause: err });
  }
  const text = await res.text();
  let body: ApiAnswer | undefined;
  try {
    body = JSON.parse(text) as ApiAnswer;
  } catch {
    body = undefined;
  }
  // 5xx (a query timeout is a 503 with a JSON body) may pass: exit 1, like a server not reached.
  if (res.status >= 500) {
    const why = body?.error ? `: ${body.error}` : "";
    throw new TwError(ErrorCode.SOURCE_UNAVAILABLE, `${name}: ${path} answered HTTP ${res.status}${why}`);
  }
  if (!body || typeof body.status !== "string") {
    throw badArgs(
      `${name}: not a Prometheus HTTP API (${path} answered HTTP ${res.status} without its JSON)`,
    );
  }
  if (body.status !== "success") throw badArgs(`${name}: ${path}: ${body.error ?? `HTTP ${res.status}`}`);
  return body.data;
}

/** The names of the server's alerting rules. */
async function alertingRules(base: URL, timeoutMs: number): Promise<Set<string>> {
  const data = (await api(base, "api/v1/rules", { type: "alert" }, timeoutMs)) as {
    groups?: { rules?: { type?: string; name?: string }[] }[];
  };
  const names = new Set<string>();
  for (const g of data?.groups ?? []) {
    for (const r of g.rules ?? []) if (r.type === "alerting" && typeof r.name === "string") names.add(r.name);
  }
  return names;
}

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

/** A PromQL string literal: the name quoted, with its backslashes and quotes escaped. */
const literal = (s: string) => JSON.stringify(s);

/**
 * The instants (epoch ms) at which the alert started firing within [start, end]: the first sample of
 * each run of consecutive samples, per series (one series per label set). A run that is already going
 * at `start` counts at `start`. Unknown alert name: exit 2; unreachable server: exit 1.
 */
export async function prometheusAlerts(q: PrometheusAlertQuery): Promise<number[]> {
  const base = prometheusBase(q.url);
  const rules = await alertingRules(base, q.timeoutMs);
  if (!rules.has(q.alert)) {
    const known = [...rules].sort().join(", ") || "none";
    throw badArgs(`--alert: ${base.origin} has no alerting rule named "${q.alert}" (it has: ${known})`);
  }
  const query = `ALERTS{alertname=${literal(q.alert)},alertstate="firing"}`;
  const series = new Map<string, number[]>();
  const chunk = q.stepMs * MAX_POINTS;
  for (let from = q.start; from <= q.end; from += chunk + q.stepMs) {
    const to = Math.min(q.end, from + chunk);
    const data = (await api(
      base,
      "api/v1/query_range",
      { query, start: String(from / 1000), end: String(to / 1000), step: String(q.stepMs / 1000) },
      q.timeoutMs,
    )) as { result?: Matrix };
    for (const s of data?.result ?? []) {
      const key = JSON.stringify(Object.entries(s.metric).sort());
      const times = series.get(key) ?? [];
      for (const [t] of s.values) times.push(Math.round(t * 1000));
      series.set(key, times);
    }
  }
  const onsets: number[] = [];
  for (const times of series.values()) {
    times.sort((a, b) => a - b);
    times.forEach((t, i) => {
      if (i === 0 || t - times[i - 1]! > q.stepMs * 1.5) onsets.push(t);
    });
  }
  return onsets.sort((a, b) => a - b);
}
