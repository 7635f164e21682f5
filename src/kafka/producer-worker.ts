/**
 * The producer thread: owns the client library's producer (its connections, the idempotent producer id and
 * sequence numbers, the library's own retries and record encoding) and answers `threaded.ts`'s requests one
 * reply each. The sink and its retries, backlog and shutdown stay on the generating thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { KafkaClient, KafkaClientOptions, KafkaRecord } from "./client.js";
import { unpackRecords } from "./packed.js";
import {
  errorToTree,
  type ProducerThreadData,
  type Reply,
  type Request,
  type SendRequest,
  threadFailed,
} from "./thread-protocol.js";

const data = workerData as ProducerThreadData;
const port = parentPort!;
const options = { ...data.options };
// PEM material arrives as Uint8Array (structured clone drops Buffer's class).
if (options.tls) {
  const t = options.tls;
  const buf = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v));
  options.tls = {
    rejectUnauthorized: t.rejectUnauthorized,
    ...(t.ca && { ca: buf(t.ca)! }),
    ...(t.cert && { cert: buf(t.cert)! }),
    ...(t.key && { key: buf(t.key)! }),
  };
}
const client = await load(data, options);

/** The one library asked for (platformatic-lib.ts: what it costs to import, and how that was cut). */
async function load(d: ProducerThreadData, o: KafkaClientOptions): Promise<KafkaClient> {
  if (d.module !== undefined) return (await import(d.module)).createClient(o) as KafkaClient;
  if (d.library === "kafkajs") return (await import("./kafkajs.js")).createKafkajsClient(o);
  return (await import("./platformatic.js")).createPlatformaticClient(o);
}

/**
 * A failed batch's records, kept for its re-send: the client knows a batch that awaits a re-send by
 * identity (the platformatic client does not rotate its producer while one does).
 */
const failed = new Map<number, readonly KafkaRecord[]>();
/** One object per distinct header set, so that the client's per-object header cache hits across batches. */
const headerSets = new Map<string, object>();

function headersOf(h: Record<string, string>): object {
  const key = JSON.stringify(h);
  let obj = headerSets.get(key);
  if (obj === undefined) {
    obj = Object.freeze(h);
    headerSets.set(key, obj);
  }
  return obj;
}

/**
 * Sends wait here for the library: the sink hands over one batch more than the library takes at once, so
 * that the next is already here when an acknowledgement comes (no round trip to the sink's thread between
 * requests). Taken in arrival order; while a batch's send has failed, only that batch may go (its re-send),
 * so that nothing overtakes it on its partitions: the sink's exactly-once rests on that, as with one thread.
 */
const waiting: { b: SendRequest; go: () => void }[] = [];
let running = 0;

function admit(): void {
  while (waiting.length > 0 && running < client.maxInFlight) {
    const i = failed.size === 0 ? 0 : waiting.findIndex((w) => failed.has(w.b.batch));
    if (i < 0) return;
    const [w] = waiting.splice(i, 1);
    running++;
    w!.go();
  }
}

async function send(b: SendRequest): Promise<void> {
  // A first send brings its records, unpacked on arrival while the batch ahead waits for the broker; a
  // re-send brings none: its records are those kept when it failed (which came before the re-send did).
  const records = b.packed === undefined ? failed.get(b.batch) : unpackRecords(b.packed, headersOf);
  if (records === undefined) {
    throw threadFailed(`batch ${b.batch} came for a re-send, and this thread does not hold its records`);
  }
  await new Promise<void>((go) => {
    waiting.push({ b, go });
    admit();
  });
  try {
    await client.send(b.topic, records);
    failed.delete(b.batch);
  } catch (err) {
    failed.set(b.batch, records);
    throw err;
  } finally {
    running--;
    admit();
  }
}

async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case "connect":
      return client.connect();
    case "missingTopics":
      return client.missingTopics(r.topics);
    case "createTopics":
      return client.createTopics(r.topics);
    case "send":
      return send(r);
    case "disconnect":
      failed.clear();
      // What still waits is the sink's to count as undelivered; it stays unanswered.
      waiting.length = 0;
      return client.disconnect();
  }
}

// Requests sent while the library loaded wait in the port until this listener starts it.
port.on("message", (r: Request) => {
  handle(r).then(
    (value) => {
      const reply: Reply = { id: r.id, ok: true, value, maxInFlight: client.maxInFlight };
      port.postMessage(reply);
    },
    (err: unknown) => {
      const reply: Reply = { id: r.id, ok: false, error: errorToTree(err) };
      port.postMessage(reply);
    },
  );
});
