import type { z } from "zod";
import { sinkSchemas } from "../config/sinks.js";
import { ErrorCode, TwError } from "../errors.js";
import {
  type CascadeLabel,
  EVENT_SCHEMA_VERSION,
  EVENT_SCHEMA_VERSION_HTTP,
  type TraceEvent,
} from "../event/index.js";
import type { KafkaClientFactory } from "../kafka/clients.js";
import {
  fatalConnectError,
  fatalSendError,
  type KafkaClient,
  prepareTopics,
  within,
} from "../kafka/index.js";
import { batchLength, type KafkaBatch, type PackedRecords, PackedRecordsBuilder } from "../kafka/packed.js";
import {
  createInThreadClient,
  createThreadedClient,
  prestartThreadedClient,
  producerWorkerUrl,
} from "../kafka/threaded.js";
import { JsonlEncoder } from "./jsonl-encoder.js";
import { clientOptions, topicSpecs } from "./kafka-options.js";
import type { Sink } from "./types.js";

/** What a `{type: kafka}` sink entry of the config may hold (the config schema is the one source). */
export type KafkaSinkConfig = Omit<z.input<typeof sinkSchemas.kafka>, "type">;
export type KafkaSinkOptions = z.output<typeof sinkSchemas.kafka>;

/** Observers of the sink (metrics and logs attach here); called synchronously, must not throw. */
export interface KafkaSinkHooks {
  /** `n` events were acknowledged by the cluster. */
  onDelivered?(n: number): void;
  /** A connect, topic creation or send attempt failed; it will be retried. */
  onError?(err: unknown): void;
  /** An error no retry can fix stopped the sink (it is also what `stopped` resolves with). */
  onFatal?(err: TwError): void;
  /** A retry is scheduled after `delayMs`. */
  onRetry?(info: { what: "connect" | "send"; attempt: number; delayMs: number }): void;
}

/**
 * Builds a Kafka sink from its config (validated here), on the client library the config names, which runs
 * on a producer thread of its own (generation and production overlap; see `kafka/threaded.ts`). `client`
 * replaces that library's client, in this thread, e.g. with a fake in tests.
 */
export function createKafkaSink(
  config: KafkaSinkConfig,
  hooks: KafkaSinkHooks = {},
  client?: KafkaClientFactory,
): KafkaSink {
  const options = parseOptions(config);
  const script = producerWorkerUrl();
  const library = options.client;
  const factory: KafkaClientFactory =
    client ??
    (script === undefined
      ? (o) => createInThreadClient(library, o)
      : (o) => createThreadedClient(library, o, script));
  return new KafkaSink(options, hooks, factory(clientOptions(options)));
}

function parseOptions(config: KafkaSinkConfig): KafkaSinkOptions {
  const parsed = sinkSchemas.kafka.safeParse({ ...config, type: "kafka" });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new TwError(ErrorCode.CONFIG_INVALID, "invalid kafka sink options", { problems });
  }
  return parsed.data;
}

/**
 * Starts, for each Kafka sink of `sinks` (entries of the config), the producer thread `createKafkaSink`
 * will take for it, before the rest of the run is imported and built: the thread loads its client
 * library meanwhile. An entry this cannot read is left to `createKafkaSink`, which reports it; the caller
 * calls `releasePrestarted()` (kafka/threaded.ts) once the run is built, or failed to be.
 */
export function prestartKafkaSinks(sinks: readonly { type: string }[]): void {
  const script = producerWorkerUrl();
  if (script === undefined) return;
  for (const entry of sinks) {
    if (entry.type !== "kafka") continue;
    const { type: _t, name: _n, ...config } = entry as KafkaSinkConfig & { type: string; name?: string };
    try {
      const options = parseOptions(config);
      prestartThreadedClient(options.client, clientOptions(options), script);
    } catch {
      // createKafkaSink reports it.
    }
  }
}

const LABEL_HEADERS = { schema_version: EVENT_SCHEMA_VERSION, "content-type": "application/json" } as const;

/** `failed`: an error no retry can fix stopped the sink; what it holds stays counted in `backlog`. */
type State = "new" | "running" | "closing" | "closed" | "destroyed" | "failed";

/**
 * Events to a Kafka topic, labels to `<topic>.labels`. Delivery: at least once from the sink's side
 * (a failed batch is re-sent, forever, with backoff) and exactly once on the topic when idempotent, since
 * the re-sent batch carries the producer id and sequence numbers of the first try and the broker drops
 * what it already has — across broker restarts too, as the broker rebuilds producer state from its log.
 * This holds because nothing else is sent to a partition while its failed batch waits (one send in
 * flight for either client's idempotent producer; the producer thread holds the batches handed to it
 * ahead behind a failed one) and the producer id is not re-initialized while a
 * batch awaits its re-send (no reconnect by the sink: both clients reconnect to the cluster themselves).
 * Limit: a batch spanning partitions led by several brokers, of which some acknowledged before the
 * client gave up (`retry.retries`), is re-sent whole, so those partitions' records are written twice.
 * One broker (the tests) cannot hit this; on larger clusters raise `retry.retries`.
 */
export class KafkaSink implements Sink {
  readonly name = "kafka";
  private state: State = "new";
  private connected = false;
  private lastSendOk = true;
  /** The batch being filled, packed as it fills: each event's JSON copied once, from the encoder's chunk. */
  private current: PackedRecordsBuilder;
  private currentBytes = 0;
  /** The size of the last batch sealed, in records and bytes: the next one starts with room for as much. */
  private lastBatchRecords = 64;
  private lastBatchBytes = 64 * 1024;
  /** Serialized size of the largest header set seen, for the batch_bytes estimate. */
  private headerBytes = 0;
  private readonly queue: PackedRecords[] = [];
  /** Events in `current`, `queue` and in flight. */
  private buffered = 0;
  private inFlight = 0;
  private labelsInFlight = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly headersByWorkflow = new Map<string, Record<string, string>>();
  /** Values as bytes, encoded field by field: no JSON string per event (see `values`). */
  private readonly encoder = new JsonlEncoder();
  private readonly labelsTopic: string;
  private readonly maxBuffered: number;
  private closing: Promise<void> | undefined;
  private fatal: TwError | undefined;
  private reportStop!: (err: TwError) => void;
  /** Resolves with the error that stopped the sink for good (see `Sink.stopped`); pending otherwise. */
  readonly stopped = new Promise<TwError>((resolve) => {
    this.reportStop = resolve;
  });

  constructor(
    private readonly options: KafkaSinkOptions,
    private readonly hooks: KafkaSinkHooks,
    private readonly client: KafkaClient,
  ) {
    this.labelsTopic = options.labels_topic ?? `${options.topic}.labels`;
    this.maxBuffered = options.max_buffered_events ?? 4 * options.batch_size;
    this.current = this.newBatch();
  }

  /** Connected, and the last produce request (if any) succeeded: what `/readyz` reports. */
  get ready(): boolean {
    return this.connected && this.lastSendOk && this.state === "running";
  }

  /** Events accepted by `write` and not yet acknowledged (buffered or in flight); after destroy, those dropped. */
  get backlog(): number {
    return this.buffered;
  }

  async start(): Promise<void> {
    if (this.state !== "new") return;
    this.state = "running";
    const connecting = this.connectLoop();
    const timeout = this.options.start_timeout_ms;
    if (timeout === 0) return;
    // The connect loop never rejects: past the bound, what it reached (fatal, connected or not) decides.
    await within(connecting, timeout, () => new Error("start_timeout_ms")).catch(() => {});
    if (this.fatal) throw this.fatal;
    if (!this.connected) {
      this.destroy();
      throw new TwError(ErrorCode.SINK_UNAVAILABLE, `kafka: no broker of ${this.options.brokers} answered`, {
        retriable: true,
      });
    }
  }

  async write(events: readonly TraceEvent[]): Promise<void> {
    if (this.fatal) throw this.fatal;
    if (this.state !== "running") throw new TwError(ErrorCode.SINK_FAILED, `kafka sink is ${this.state}`);
    if (events.length > 0) {
      // Each value: eventToJson(e)'s bytes, from the JSON Lines encoder, cut at the newlines (JSON escapes
      // any in a value) and copied into the batch: no string, Buffer or record object per event.
      const chunks: Buffer[] = [];
      this.encoder.encode(events, chunks);
      this.encoder.flush(chunks);
      let i = 0;
      for (const chunk of chunks) {
        for (let at = 0; at < chunk.length; ) {
          const nl = chunk.indexOf(0x0a, at);
          this.add(events[i++]!, chunk, at, nl);
          at = nl + 1;
        }
      }
      this.encoder.recycle(chunks);
    }
    this.buffered += events.length;
    if (this.current.length > 0 && this.lingerTimer === undefined) {
      if (this.options.linger_ms === 0) this.seal();
      else this.lingerTimer = setTimeout(() => this.seal(), this.options.linger_ms);
    }
    this.pump();
    while (this.buffered > this.maxBuffered && this.state === "running") {
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  async writeLabels(labels: readonly CascadeLabel[]): Promise<void> {
    if (labels.length === 0) return;
    if (this.fatal) throw this.fatal;
    if (this.state !== "running") throw new TwError(ErrorCode.SINK_FAILED, `kafka sink is ${this.state}`);
    const records = labels.map((l) => ({
      key: l.cascade_id,
      value: JSON.stringify(l),
      headers: LABEL_HEADERS,
    }));
    this.labelsInFlight++;
    try {
      while (!this.connected && this.state === "running") {
        await new Promise<void>((wake) => this.waiters.push(wake));
      }
      await this.sendWithRetry(this.labelsTopic, records);
    } finally {
      this.labelsInFlight--;
      this.wakeAll();
    }
  }

  close(): Promise<void> {
    this.closing ??= this.flushAndDisconnect();
    return this.closing;
  }

  destroy(): void {
    if (this.state === "destroyed" || this.state === "closed") return;
    this.state = "destroyed";
    clearTimeout(this.lingerTimer);
    this.current = this.newBatch();
    this.currentBytes = 0;
    this.queue.length = 0;
    // `buffered` stays: it is what was dropped (the backlog contract), and nothing lowers it from now on.
    this.wakeEverything();
    this.client.disconnect().catch(() => {});
  }

  private async flushAndDisconnect(): Promise<void> {
    if (this.state === "new") this.state = "closed";
    if (this.state !== "running") return;
    this.state = "closing";
    this.seal();
    this.pump();
    // Waits for the cluster to take everything, however long a broker is away; destroy() cuts it short.
    while ((this.buffered > 0 || this.labelsInFlight > 0) && this.state === "closing") {
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
    if (this.state !== "closing") return;
    this.state = "closed";
    this.wakeEverything();
    await this.client.disconnect().catch(() => {});
  }

  private get live(): boolean {
    return this.state === "running" || this.state === "closing";
  }

  /** Adds event `e`, its value `chunk[start, end)`, to the batch being filled; seals it when full. */
  private add(e: TraceEvent, chunk: Buffer, start: number, end: number): void {
    const headers = this.headersOf(e);
    const key = this.options.key === "none" ? null : e[this.options.key];
    // The value's length is its bytes; key and headers are ASCII-heavy (string length close to bytes).
    // 16 bytes stand for the record's own framing (lengths, offsets, attributes).
    const bytes = end - start + (key?.length ?? 0) + this.headerBytes + 16;
    if (this.currentBytes + bytes > this.options.batch_bytes && this.current.length > 0) this.seal();
    this.current.addBytes(key, chunk, start, end, headers);
    this.currentBytes += bytes;
    if (this.current.length >= this.options.batch_size) this.seal();
  }

  private headersOf(e: TraceEvent): Record<string, string> {
    // HTTP-mode events (with `error`) are Event v2; headers are cached per workflow and version.
    const cacheKey = e.error === undefined ? e.workflow : `${e.workflow}\u0000v2`;
    let headers = this.headersByWorkflow.get(cacheKey);
    if (headers === undefined) {
      headers = {
        workflow: e.workflow,
        ...LABEL_HEADERS,
        ...(e.error === undefined ? {} : { schema_version: EVENT_SCHEMA_VERSION_HTTP }),
      };
      this.headersByWorkflow.set(cacheKey, headers);
      let bytes = 0;
      for (const [k, v] of Object.entries(headers)) bytes += k.length + v.length + 4;
      this.headerBytes = Math.max(this.headerBytes, bytes);
    }
    return headers;
  }

  private newBatch(): PackedRecordsBuilder {
    const records = Math.min(this.options.batch_size, this.lastBatchRecords);
    return new PackedRecordsBuilder(records, this.lastBatchBytes);
  }

  /** Moves the partly filled batch to the send queue. */
  private seal(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.current.length === 0) return;
    // Room for a batch like this one, and some: growing the next one's buffer would copy it.
    this.lastBatchRecords = this.current.length + (this.current.length >> 3) + 16;
    this.lastBatchBytes = Math.ceil(this.current.byteLength * 1.1);
    this.queue.push(this.current.build());
    this.current = this.newBatch();
    this.currentBytes = 0;
    this.pump();
  }

  private pump(): void {
    while (this.connected && this.live && this.inFlight < this.client.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      this.inFlight++;
      void this.deliver(batch);
    }
  }

  private async deliver(batch: PackedRecords): Promise<void> {
    const sent = await this.sendWithRetry(this.options.topic, batch);
    if (!sent || !this.live) return;
    const n = batchLength(batch);
    this.inFlight--;
    this.buffered -= n;
    this.hooks.onDelivered?.(n);
    this.wakeAll();
    this.pump();
  }

  /** Sends until acknowledged (true) or the sink is destroyed (false). The same records every time. */
  private async sendWithRetry(topic: string, records: KafkaBatch): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(topic, records);
        this.lastSendOk = true;
        return this.live;
      } catch (err) {
        if (!this.live) return false;
        this.lastSendOk = false;
        // A TwError is already classified (the producer thread failed: no retry brings it back).
        const fatal = err instanceof TwError ? err : fatalSendError(err, topic);
        if (fatal) {
          this.fail(fatal);
          return false;
        }
        this.hooks.onError?.(err);
        await this.backoff("send", attempt);
        if (!this.live) return false;
      }
    }
  }

  private async connectLoop(): Promise<void> {
    let topicsDone = false;
    let clientConnected = false;
    for (let attempt = 1; this.state === "running" || this.state === "closing"; attempt++) {
      if (this.state === "closing" && this.buffered === 0 && this.labelsInFlight === 0) return;
      try {
        // At once: the topics are checked and created on connections of their own. The connect's failure is
        // the one reported when both fail (a broker away, credentials refused), as when they ran in turn.
        const [connect, topics] = await Promise.allSettled([
          clientConnected || this.client.connect().then(() => (clientConnected = true)),
          topicsDone ||
            prepareTopics(
              this.client,
              topicSpecs(this.options, this.labelsTopic),
              this.options.create_topic !== false,
            ).then(() => (topicsDone = true)),
        ]);
        if (connect.status === "rejected") throw connect.reason;
        if (topics.status === "rejected") throw topics.reason;
        this.connected = true;
        this.wakeAll();
        this.pump();
        return;
      } catch (err) {
        if (!this.live) return;
        const fatal = err instanceof TwError ? err : fatalConnectError(err, this.options.brokers);
        if (fatal) {
          this.fail(fatal);
          return;
        }
        this.hooks.onError?.(err);
        await this.backoff("connect", attempt);
      }
    }
  }

  /** Stops the sink for good: no retry can fix `err`. What it holds stays in `backlog`, undelivered. */
  private fail(err: TwError): void {
    if (this.fatal !== undefined || !this.live) return;
    this.fatal = err;
    this.state = "failed";
    clearTimeout(this.lingerTimer);
    this.wakeEverything();
    this.client.disconnect().catch(() => {});
    this.hooks.onFatal?.(err);
    this.reportStop(err);
  }

  private backoff(what: "connect" | "send", attempt: number): Promise<void> {
    const { initial_ms, max_ms } = this.options.retry;
    const base = Math.min(max_ms, initial_ms * 2 ** Math.min(attempt - 1, 30));
    // Full jitter on the upper half, so that many shards retrying together spread out.
    const delayMs = Math.round(base / 2 + (Math.random() * base) / 2);
    this.hooks.onRetry?.({ what, attempt, delayMs });
    return this.sleep(delayMs);
  }

  private sleep(delayMs: number): Promise<void> {
    return new Promise((wake) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          wake();
        }, delayMs),
        wake,
      };
      this.sleeps.add(entry);
    });
  }

  /** Ends every backoff sleep and wakes every waiter, so that nothing outlives a state change. */
  private wakeEverything(): void {
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeps.clear();
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
