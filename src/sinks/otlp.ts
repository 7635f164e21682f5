import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { z } from "zod";
import type { sinkSchemas } from "../config/sinks.js";
import { ErrorCode, TwError } from "../errors.js";
import type { CascadeLabel, TraceEvent } from "../event/index.js";
import { TextFile } from "./file.js";
import {
  type Attr,
  encodeJson,
  encodeProtobuf,
  type ResourceSpans,
  type SpanData,
  SpanKind,
} from "./otlp-encode.js";
import { ExportAborted, type ExporterHooks, OtlpExporter } from "./otlp-http.js";
import { type ServiceMap, TraceBuilder } from "./otlp-spans.js";
import type { Sink } from "./types.js";

export type OtlpSinkOptions = z.output<typeof sinkSchemas.otlp>;

const DEFAULT_ENDPOINT = "http://localhost:4318";
/** tracewalk's version (src/sinks and dist/sinks both sit two levels below package.json). */
const VERSION = (() => {
  try {
    return String(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
  } catch {
    return "unknown";
  }
})();
const SCOPE = { name: "tracewalk", version: VERSION };

/** `<base>/v1/traces`, as the OTLP spec builds a signal's URL from a base endpoint. */
export function tracesUrl(base: string): string {
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/** `k=v,k2=v2` (values percent-decoded), as `OTEL_EXPORTER_OTLP_HEADERS` holds headers. */
export function parseOtlpHeaders(text: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    // The value may be a secret: the message never repeats it.
    if (key === "")
      throw new TwError(ErrorCode.CONFIG_INVALID, `${source}: expected key=value pairs separated by commas`);
    try {
      out[key.toLowerCase()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new TwError(
        ErrorCode.CONFIG_INVALID,
        `${source}: the value of "${key}" is not valid percent-encoding`,
      );
    }
  }
  return out;
}

function checkedUrl(url: string, source: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TwError(
      ErrorCode.CONFIG_INVALID,
      `${source}: expected an http:// or https:// URL, got "${url}"`,
    );
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new TwError(
      ErrorCode.CONFIG_INVALID,
      `${source}: expected an http:// or https:// URL, got "${url}"`,
    );
  }
  return url;
}

/**
 * Where spans go and with which headers: the config's keys, else the standard OTLP variables, else
 * `http://localhost:4318`. Throws TW_CONFIG_INVALID naming the variable that is wrong.
 */
export function resolveOtlpTarget(
  o: Pick<OtlpSinkOptions, "endpoint" | "headers">,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; headers: Record<string, string> } {
  let url: string;
  if (o.endpoint !== undefined) url = tracesUrl(o.endpoint);
  else if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    url = checkedUrl(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  } else if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    url = tracesUrl(checkedUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT"));
  } else url = tracesUrl(DEFAULT_ENDPOINT);
  const headers =
    o.headers !== undefined
      ? Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k.toLowerCase(), v]))
      : env.OTEL_EXPORTER_OTLP_HEADERS
        ? parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS")
        : {};
  return { url, headers };
}

/** One export: its spans, and how many of them are calls (events), which is what the backlog counts. */
interface Batch {
  spans: SpanData[];
  events: number;
}

/**
 * Sessions as traces and calls as CLIENT spans, exported over OTLP/HTTP (protobuf or JSON) in batches
 * of `batch_size` spans, up to `max_in_flight` requests at a time. `write` resolves once its events are turned into
 * spans, unless more than `max_buffered_events` are waiting (backpressure). A retryable failure is
 * retried until shutdown; any other status stops the sink (`stopped`), its events undelivered.
 */
export class OtlpSink implements Sink {
  readonly name = "otlp";
  readonly stopped: Promise<Error>;
  private stop!: (err: Error) => void;
  private failure: Error | null = null;
  private readonly exporter: OtlpExporter;
  private readonly builder: TraceBuilder;
  private readonly resource: Attr[];
  private readonly maxBuffered: number;
  private pending: SpanData[] = [];
  private readonly queue: Batch[] = [];
  private readonly sending = new Set<Promise<void>>();
  private linger: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;
  private destroyed = false;
  private lastOk = true;
  private readonly labels: TextFile | null;
  backlog = 0;

  constructor(
    private readonly o: OtlpSinkOptions,
    hooks: ExporterHooks & { onDelivered?(n: number): void; onFatal?(err: Error): void } = {},
    env: NodeJS.ProcessEnv = process.env,
    services?: ReadonlyMap<string, ServiceMap>,
  ) {
    const target = resolveOtlpTarget(o, env);
    this.hooks = hooks;
    this.exporter = new OtlpExporter(
      {
        url: target.url,
        headers: target.headers,
        contentType: o.protocol === "http/json" ? "application/json" : "application/x-protobuf",
        gzip: o.compression === "gzip",
        timeoutMs: o.timeout,
        retry: { initialMs: o.retry.initial_ms, maxMs: o.retry.max_ms },
      },
      {
        onRetry: (info) => {
          this.lastOk = false;
          hooks.onRetry?.(info);
        },
        onRejected: (info) => hooks.onRejected?.(info),
      },
    );
    this.builder = new TraceBuilder({
      idleMs: o.session_idle,
      maxOpen: 100_000,
      ...(services === undefined ? {} : { services }),
    });
    this.maxBuffered = o.max_buffered_events ?? 8 * o.batch_size;
    this.resource = [
      ["service.name", o.service_name],
      ["service.version", VERSION],
      ["service.instance.id", o.service_instance_id ?? hostname()],
      ["telemetry.sdk.name", "tracewalk"],
    ];
    this.labels = o.labels_path === undefined ? null : new TextFile(o.labels_path);
    this.stopped = new Promise((resolve) => {
      this.stop = resolve;
    });
  }

  private readonly hooks: { onDelivered?(n: number): void; onFatal?(err: Error): void };

  /** The URL spans are posted to, as errors name it. */
  get endpoint(): string {
    return this.exporter.where;
  }

  /** False after a failed export attempt, until one succeeds. */
  get ready(): boolean {
    return this.lastOk && this.failure === null;
  }

  async start(): Promise<void> {}

  async write(events: readonly TraceEvent[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.backlog += events.length;
    this.builder.add(events, this.pending);
    this.cut(false);
    while (this.backlog > this.maxBuffered && !this.destroyed && this.failure === null) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    this.builder.label(labels);
    if (this.labels === null || labels.length === 0) return;
    let text = "";
    for (const l of labels) text += `${JSON.stringify(l)}\n`;
    await this.labels.append(text);
  }

  cascadeOpened(label: CascadeLabel): void {
    this.builder.label([label]);
  }

  /** Moves full batches (all of them when `all`) from pending to the export queue. */
  private cut(all: boolean): void {
    const size = this.o.batch_size;
    while (this.pending.length >= size || (all && this.pending.length > 0)) {
      const spans = this.pending.length > size ? this.pending.splice(0, size) : this.pending;
      if (spans === this.pending) this.pending = [];
      let events = 0;
      for (const s of spans) if (s.kind === SpanKind.CLIENT) events++;
      this.queue.push({ spans, events });
    }
    if (this.pending.length > 0 && this.linger === null && !this.closed) {
      this.linger = setTimeout(() => {
        this.linger = null;
        this.cut(true);
      }, this.o.linger);
    }
    this.kick();
  }

  /** Starts exports from the queue up to `max_in_flight` at once; each that ends starts the next. */
  private kick(): void {
    while (
      this.sending.size < this.o.max_in_flight &&
      this.queue.length > 0 &&
      !this.destroyed &&
      this.failure === null
    ) {
      const batch = this.queue.shift()!;
      const p: Promise<void> = this.send(batch).finally(() => {
        this.sending.delete(p);
        this.kick();
      });
      this.sending.add(p);
    }
  }

  /** Exports one batch; its events leave the backlog only once it is accepted. */
  private async send(batch: Batch): Promise<void> {
    const groups = this.groups(batch.spans);
    const body = this.o.protocol === "http/json" ? encodeJson(groups, SCOPE) : encodeProtobuf(groups, SCOPE);
    try {
      await this.exporter.export(body);
    } catch (err) {
      if (err instanceof ExportAborted || this.failure !== null) return;
      this.failure = err as Error;
      this.hooks.onFatal?.(this.failure);
      this.stop(this.failure);
      this.wake();
      return;
    }
    this.lastOk = true;
    this.backlog -= batch.events;
    this.hooks.onDelivered?.(batch.events);
    this.wake();
  }

  /** The batch's spans by resource: the sink's own, and one per service of a workflow's map. */
  private groups(spans: SpanData[]): ResourceSpans[] {
    if (!spans.some((s) => s.service !== undefined)) return [{ resource: this.resource, spans }];
    const by = new Map<string | undefined, SpanData[]>();
    for (const s of spans) {
      const list = by.get(s.service);
      if (list === undefined) by.set(s.service, [s]);
      else list.push(s);
    }
    return [...by].map(([service, list]) => ({
      resource:
        service === undefined
          ? this.resource
          : [
              ["service.name", service],
              // Derived from the workflow's service map, not measured in that service.
              ["tracewalk.service_map", true],
            ],
      spans: list,
    }));
  }

  /** Resolves once no export is in flight and none can start (queue empty, failed or destroyed). */
  private async drained(): Promise<void> {
    while (this.sending.size > 0) await Promise.all(this.sending);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async close(): Promise<void> {
    if (this.closed) return await this.drained();
    this.closed = true;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    // Sessions still open end with the run: their root spans go in the last batches.
    if (!this.destroyed) this.builder.closeAll(this.pending);
    this.cut(true);
    await this.drained();
    await this.labels?.close();
    if (!this.destroyed) await this.exporter.close();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    this.exporter.destroy();
    void this.labels?.close().catch(() => {});
    this.wake();
  }
}
