import { promisify } from "node:util";
import { gzip as gzipCb } from "node:zlib";
import { Pool } from "undici";
import { ErrorCode, TwError } from "../errors.js";

const gzip = promisify(gzipCb);

/** Statuses the OTLP/HTTP spec says to retry; any other failure status is final. */
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface ExporterOptions {
  /** The full URL spans are posted to (`…/v1/traces`). */
  url: string;
  headers: Record<string, string>;
  contentType: string;
  gzip: boolean;
  timeoutMs: number;
  retry: { initialMs: number; maxMs: number };
}

/** What an export attempt reports, for metrics and the log (never the headers). */
export interface ExporterHooks {
  onRetry?(info: { attempt: number; delayMs: number; reason: string }): void;
  /** The receiver accepted the request but rejected some of its spans (OTLP partial success). */
  onRejected?(info: { rejected: number; message: string }): void;
}

function varintAt(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0;
  let mul = 1;
  while (at < b.length) {
    const byte = b[at++]!;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) break;
    mul *= 128;
  }
  return [v, at];
}

/**
 * The `partial_success` of an ExportTraceServiceResponse, protobuf or JSON: the spans the receiver
 * rejected and why; null when it rejected none (or the body says nothing).
 */
export function partialSuccess(
  body: Uint8Array,
  json: boolean,
): { rejected: number; message: string } | null {
  if (body.length === 0) return null;
  if (json) {
    try {
      const p = JSON.parse(Buffer.from(body).toString("utf8"))?.partialSuccess;
      const rejected = Number(p?.rejectedSpans ?? 0);
      return rejected > 0 ? { rejected, message: String(p?.errorMessage ?? "") } : null;
    } catch {
      return null;
    }
  }
  // Field 1 (partial_success, a message) holds field 1 (rejected_spans, varint) and 2 (error_message).
  if (body[0] !== 0x0a) return null;
  const [len, start] = varintAt(body, 1);
  let rejected = 0;
  let message = "";
  for (let at = start; at < Math.min(body.length, start + len); ) {
    const tag = body[at++]!;
    if (tag === 0x08) [rejected, at] = varintAt(body, at);
    else if (tag === 0x12) {
      const [n, from] = varintAt(body, at);
      message = Buffer.from(body.subarray(from, from + n)).toString("utf8");
      at = from + n;
    } else break;
  }
  return rejected > 0 ? { rejected, message } : null;
}

/** The delay a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Aborted by `destroy`: the export in progress stops and its batch stays undelivered. */
export class ExportAborted extends Error {}

/**
 * Posts OTLP/HTTP bodies to one URL, one at a time, retrying what the spec says is retryable (429,
 * 502, 503, 504, and network failures) with exponential backoff or the server's `Retry-After`, until
 * it succeeds, fails for good (another status: TW_SINK_FAILED naming the URL) or is aborted.
 */
export class OtlpExporter {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly abort = new AbortController();

  constructor(
    private readonly o: ExporterOptions,
    private readonly hooks: ExporterHooks = {},
  ) {
    const u = new URL(o.url);
    this.pool = new Pool(u.origin, { connections: 2 });
    this.path = `${u.pathname}${u.search}`;
  }

  /** The URL as errors and logs name it (without any user info). */
  get where(): string {
    const u = new URL(this.o.url);
    u.username = "";
    u.password = "";
    return u.href;
  }

  /** Sends one body until it is accepted; rejects with TW_SINK_FAILED or ExportAborted. */
  async export(raw: Uint8Array): Promise<void> {
    const body = this.o.gzip ? await gzip(raw) : raw;
    for (let attempt = 1; ; attempt++) {
      const res = await this.attempt(body);
      if (res.ok) return;
      if (res.final) throw res.final;
      const backoff = Math.min(this.o.retry.maxMs, this.o.retry.initialMs * 2 ** Math.min(attempt - 1, 20));
      const delayMs = Math.min(this.o.retry.maxMs, res.retryAfterMs ?? backoff);
      this.hooks.onRetry?.({ attempt, delayMs, reason: res.reason });
      await this.sleep(delayMs);
    }
  }

  private async attempt(
    body: Uint8Array,
  ): Promise<{ ok: boolean; final?: TwError; retryAfterMs?: number | undefined; reason: string }> {
    if (this.abort.signal.aborted) throw new ExportAborted("export aborted");
    const headers: Record<string, string> = {
      ...this.o.headers,
      "content-type": this.o.contentType,
      ...(this.o.gzip ? { "content-encoding": "gzip" } : {}),
    };
    try {
      const res = await this.pool.request({
        path: this.path,
        method: "POST",
        headers,
        body,
        headersTimeout: this.o.timeoutMs,
        bodyTimeout: this.o.timeoutMs,
        signal: this.abort.signal,
      });
      const raw = new Uint8Array(await res.body.arrayBuffer());
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const partial = partialSuccess(raw, String(res.headers["content-type"] ?? "").includes("json"));
        if (partial !== null) this.hooks.onRejected?.(partial);
        return { ok: true, reason: "" };
      }
      const text = Buffer.from(raw).toString("utf8");
      const reason = `HTTP ${res.statusCode}`;
      if (RETRYABLE.has(res.statusCode)) {
        return { ok: false, retryAfterMs: retryAfterMs(res.headers["retry-after"]), reason };
      }
      const detail = text.replace(/\s+/g, " ").trim().slice(0, 200);
      const final = new TwError(
        ErrorCode.SINK_FAILED,
        `otlp export to ${this.where} failed: ${reason}${detail ? ` (${detail})` : ""}`,
      );
      return { ok: false, final, reason };
    } catch (err) {
      if (this.abort.signal.aborted) throw new ExportAborted("export aborted");
      const e = err as { code?: string; message?: string };
      return { ok: false, reason: e.code ?? e.message ?? "network error" };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(t);
        reject(new ExportAborted("export aborted"));
      };
      const t = setTimeout(() => {
        this.abort.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Stops at once: the export in progress rejects with ExportAborted. */
  destroy(): void {
    this.abort.abort();
    void this.pool.destroy().catch(() => {});
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
