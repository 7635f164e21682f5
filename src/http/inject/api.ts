/** How a call to an injector's API (Toxiproxy, a webhook) is bounded and retried. */
export interface ApiPolicy {
  /** Bound of one attempt (ms): connect, send, and the whole response. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  attempts: number;
  /** Pause before the second attempt (ms); doubled before each next one. */
  backoffMs: number;
}

export const DEFAULT_API_POLICY: ApiPolicy = { timeoutMs: 2000, attempts: 3, backoffMs: 200 };

/** A response of an injector's API: its status and its body read whole. */
export interface ApiResponse {
  status: number;
  body: string;
}

/** A call that failed its every attempt; `message` says why the last one did. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

// A status that a retry may change: the server was busy or failed, not the request.
const retriable = (status: number) => status === 408 || status === 429 || status >= 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return "timed out";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * Sends one request, retried on a network failure, a timeout or a 408/429/5xx, each attempt bounded by
 * `timeoutMs`; resolves with the first other response (a 4xx is the caller's to judge), or throws an
 * ApiError once every attempt failed. `onRetry` hears of each failed attempt before the next one.
 */
export async function callApi(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
  policy: ApiPolicy = DEFAULT_API_POLICY,
  onRetry?: (why: string, attempt: number) => void,
): Promise<ApiResponse> {
  let why = "";
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) {
      onRetry?.(why, attempt - 1);
      await sleep(policy.backoffMs * 2 ** (attempt - 2));
    }
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      const body = await res.text();
      if (!retriable(res.status)) return { status: res.status, body };
      why = `HTTP ${res.status}`;
    } catch (err) {
      why = reason(err);
    }
  }
  throw new ApiError(`${init.method} ${url}: ${why} (${policy.attempts} attempts)`, policy.attempts);
}

/** A URL as a label or a log may show it: no user info, no query (where secrets hide). */
export function safeUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return u.toString();
}
