/**
 * A `KafkaClient` whose library runs on a thread of its own (`producer-worker.ts`), so that generating
 * events and producing them overlap: this thread writes each batch's keys and values into one buffer and
 * transfers it (`packed.ts`); the producer thread encodes the Kafka records, talks to the brokers and answers when the
 * batch is acknowledged or failed. The sink above sees the same contract as with the library in-thread
 * (one reply per call, errors classified the same way), so its retries, backlog bound and shutdown hold.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { KafkaClient, KafkaClientOptions, KafkaTopicSpec } from "./client.js";
import type { KafkaLibrary } from "./options.js";
import { isPacked, type KafkaBatch, packRecords } from "./packed.js";
import {
  type ProducerThreadData,
  type Reply,
  type Request,
  threadFailed,
  treeToError,
} from "./thread-protocol.js";

/** A request without its id (the id is this client's to give). */
type Call = Request extends infer R ? (R extends Request ? Omit<R, "id"> : never) : never;

/**
 * The library allocates per record and per request (Buffers it concatenates); with V8's default young
 * generation the producer thread spent ~19 % of its time collecting, with this ~12 % (bench/README.md).
 */
const YOUNG_GENERATION_MB = 96;

/**
 * Batches the sink may hand over beyond what the library sends at once: they wait on the producer thread
 * (in order, behind a failed one; see `producer-worker.ts`) so that it never idles waiting for the next.
 */
const AHEAD = 1;

/** How long a disconnect may take before the thread is stopped anyway. */
const DISCONNECT_BOUND_MS = 5_000;

/**
 * The producer thread's script: next to this file when built; from the sources (the test runner), the
 * built one, when there is one. Undefined when neither exists: the caller keeps the library in-thread.
 */
export function producerWorkerUrl(): URL | undefined {
  const here = new URL("./producer-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL("../../dist/kafka/producer-worker.js", import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

/** What a producer thread is started with (`module`: see `ProducerThreadData`). */
type ClientArgs = [library: KafkaLibrary, options: KafkaClientOptions, script: URL, module?: string];

/** A client for `library` on a producer thread started from `script`: the one prestarted so, if any. */
export function createThreadedClient(...args: ClientArgs): KafkaClient {
  return prestarted.get(keyOf(args))?.shift() ?? new ThreadedClient(...args);
}

/** Clients started before their sink exists, by what they were started with; taken by `createThreadedClient`. */
const prestarted = new Map<string, ThreadedClient[]>();

const keyOf = ([library, options, script, module]: ClientArgs) =>
  JSON.stringify([library, script.href, module ?? null, options]);

/**
 * Starts the producer thread of a client the run is about to ask `createThreadedClient` for, with the same
 * arguments: the thread imports its library (~0.2 s) while this one imports and builds the rest of the run.
 * `releasePrestarted` stops those no sink took.
 */
export function prestartThreadedClient(...args: ClientArgs): KafkaClient {
  const client = new ThreadedClient(...args);
  const key = keyOf(args);
  prestarted.set(key, [...(prestarted.get(key) ?? []), client]);
  return client;
}

/** Stops the prestarted clients no sink took (a run that failed to build, or built fewer sinks). */
export async function releasePrestarted(): Promise<void> {
  const left = [...prestarted.values()].flat();
  prestarted.clear();
  await Promise.all(left.map((c) => c.disconnect()));
}

class ThreadedClient implements KafkaClient {
  /** The library's own answer, learned with the first reply; its rule until then. */
  maxInFlight: number;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  private readonly batchIds = new WeakMap<KafkaBatch, number>();
  private nextId = 1;
  private nextBatch = 1;
  private dead: Error | undefined;
  private disconnecting: Promise<void> | undefined;

  constructor(library: KafkaLibrary, options: KafkaClientOptions, script: URL, module?: string) {
    this.maxInFlight = (options.idempotent ? 1 : options.maxInFlight) + AHEAD;
    const workerData: ProducerThreadData = { library, options, ...(module && { module }) };
    this.worker = new Worker(script, {
      workerData,
      stdout: false,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    // Held open only while a request waits for its reply: an idle client never keeps the process alive.
    this.worker.unref();
    this.worker.on("message", (m: Reply) => this.onReply(m));
    this.worker.on("error", (err) => this.die(threadFailed(err.message)));
    this.worker.on("exit", (code) => this.die(threadFailed(`exited with code ${code}`)));
  }

  connect(): Promise<void> {
    return this.call({ op: "connect" }) as Promise<void>;
  }

  missingTopics(topics: readonly string[]): Promise<string[]> {
    return this.call({ op: "missingTopics", topics: [...topics] }) as Promise<string[]>;
  }

  createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    return this.call({ op: "createTopics", topics: topics.map((t) => ({ ...t })) }) as Promise<void>;
  }

  send(topic: string, records: KafkaBatch): Promise<void> {
    // A re-sent batch keeps its number and goes without its records: the producer thread kept them.
    const known = this.batchIds.get(records);
    if (known !== undefined) return this.call({ op: "send", batch: known, topic }) as Promise<void>;
    const batch = this.nextBatch++;
    this.batchIds.set(records, batch);
    // The sink's batches come packed: their buffers go as they are (detached here from now on).
    const packed = isPacked(records) ? records : packRecords(records);
    const { bytes, pos, hasKey, keyHash, headerIndex } = packed;
    const transfer = [bytes, pos.buffer, hasKey.buffer, keyHash.buffer, headerIndex.buffer] as ArrayBuffer[];
    return this.call({ op: "send", batch, topic, packed }, transfer) as Promise<void>;
  }

  disconnect(): Promise<void> {
    this.disconnecting ??= this.stop();
    return this.disconnecting;
  }

  private async stop(): Promise<void> {
    if (this.dead) return;
    // Requests still waiting mean the sink gave up on them (destroy at the end of drain_timeout, or a
    // fatal error): the thread goes at once, the library's goodbye is not worth holding the process for.
    if (this.pending.size > 0) {
      await this.worker.terminate();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((wake) => {
      timer = setTimeout(wake, DISCONNECT_BOUND_MS);
      timer.unref();
    });
    try {
      await Promise.race([this.call({ op: "disconnect" }).catch(() => {}), bound]);
    } finally {
      clearTimeout(timer);
      await this.worker.terminate();
    }
  }

  private call(c: Call, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((ok, fail) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { ok, fail });
      this.worker.postMessage({ ...c, id } as Request, transfer);
    });
  }

  private onReply(m: Reply): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) {
      this.maxInFlight = m.maxInFlight + AHEAD;
      p.ok(m.value);
    } else p.fail(treeToError(m.error));
  }

  /** The thread is gone: every waiting request fails, and every later one. */
  private die(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.fail(this.dead);
    this.pending.clear();
  }
}

/**
 * The library in this thread, imported on `connect` (the first call the sink makes): for running from the
 * sources with nothing built, where there is no producer thread script.
 */
export function createInThreadClient(library: KafkaLibrary, options: KafkaClientOptions): KafkaClient {
  let client: KafkaClient | undefined;
  const ready = async (): Promise<KafkaClient> => {
    client ??= (await import("./clients.js")).KAFKA_CLIENTS[library].producer(options);
    return client;
  };
  return {
    get maxInFlight() {
      return client?.maxInFlight ?? 1;
    },
    connect: async () => (await ready()).connect(),
    missingTopics: async (topics) => (await ready()).missingTopics(topics),
    createTopics: async (topics) => (await ready()).createTopics(topics),
    send: async (topic, records) => (await ready()).send(topic, records),
    disconnect: async () => client?.disconnect(),
  };
}
