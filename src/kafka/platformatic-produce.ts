import {
  type API,
  type Callback,
  type CreateRecordsBatchOptions,
  createAPI,
  createRecordsBatch,
  groupByProperty,
  kGetApi,
  type MessageRecord,
  ProduceAcks,
  Producer,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  Writer,
} from "./platformatic-lib.js";
import { encodeRecordsBatch } from "./record-batch.js";

type ProduceOptions = Partial<CreateRecordsBatchOptions>;
type CreateRequest = (
  acks: number | undefined,
  timeout: number | undefined,
  topicData: MessageRecord[],
  options?: ProduceOptions,
) => Writer;
type ProduceModule = typeof produceV11;

/** What this producer's Produce requests were encoded by, per partition batch: tests check it. */
export interface EncoderCounts {
  ours: number;
  library: number;
}

/**
 * The library's Producer with its Produce requests built by `encodeRecordsBatch` (one Buffer per
 * partition batch, byte-identical to the library's). The library picks the Produce version the broker
 * supports; this maps the api it picked, by identity, to the same version with our request builder and
 * the library's response parser. A version not listed here goes to the library unchanged.
 */
export class EncodingProducer extends Producer<Buffer, Buffer, Buffer, Buffer> {
  readonly encoded: EncoderCounts = { ours: 0, library: 0 };
  private apis: Map<unknown, unknown> | undefined;

  override [kGetApi]<RequestArguments extends Array<unknown>, ResponseType>(
    name: string,
    callback: Callback<API<RequestArguments, ResponseType>>,
  ): void {
    if (name !== "Produce") {
      super[kGetApi](name, callback);
      return;
    }
    super[kGetApi]<RequestArguments, ResponseType>(name, (error, api) => {
      if (error || api === undefined) {
        callback(error, api);
        return;
      }
      this.apis ??= produceApis(this.encoded);
      const ours = this.apis.get(api) as API<RequestArguments, ResponseType> | undefined;
      callback(null, ours ?? api);
    });
  }
}

/** The library's Produce apis (v7..v11) to ours, counting into `counts`. */
function produceApis(counts: EncoderCounts): Map<unknown, unknown> {
  const versions: [ProduceModule, number, boolean][] = [
    [produceV7 as unknown as ProduceModule, 7, false],
    [produceV8 as unknown as ProduceModule, 8, false],
    [produceV9, 9, true],
    [produceV10, 10, true],
    [produceV11, 11, true],
  ];
  const apis = new Map<unknown, unknown>();
  for (const [mod, version, compact] of versions) {
    const create = produceRequest(compact, mod.createRequest as CreateRequest, counts);
    apis.set(mod.api, createAPI(0, version, create, mod.parseResponse, compact, compact));
  }
  return apis;
}

/**
 * The library's `createRequest` for Produce v7..v11 (v9 on: compact strings and arrays, tagged fields),
 * step for step, with each partition's batch from `encodeRecordsBatch` when it takes it. A transaction
 * or compression goes to the library's whole request: this client uses neither.
 */
export function produceRequest(
  compact: boolean,
  library: CreateRequest,
  counts?: EncoderCounts,
): CreateRequest {
  return (acks = 1, timeout = 0, topicData, options = {}) => {
    if (options.transactionalId || (options.compression ?? "none") !== "none") {
      return library(acks, timeout, topicData, options);
    }
    // As the library: missing partitions and timestamps filled in once, kept on the messages, so a retry
    // encodes the same batch again.
    const now = BigInt(Date.now());
    for (const message of topicData) {
      if (message.partition === undefined) message.partition = 0;
      if (message.timestamp === undefined) message.timestamp = now;
    }
    const writer = Writer.create()
      .appendString(options.transactionalId, compact)
      .appendInt16(acks)
      .appendInt32(timeout)
      .appendArray(
        groupByProperty<string, MessageRecord>(topicData, "topic"),
        (w, [topic, messages]) => {
          w.appendString(topic, compact).appendArray(
            groupByProperty<string, MessageRecord>(messages, "partition"),
            (w, [partition, messages]) =>
              appendPartition(w, Number(partition), messages, options, compact, counts),
            compact,
            compact,
          );
        },
        compact,
        compact,
      );
    if (compact) writer.appendTaggedFields();
    if (acks === ProduceAcks.NO_RESPONSE) writer.context.noResponse = true;
    return writer;
  };
}

function appendPartition(
  w: Writer,
  partition: number,
  messages: MessageRecord[],
  options: ProduceOptions,
  compact: boolean,
  counts: EncoderCounts | undefined,
): void {
  w.appendInt32(partition);
  const ours = encodeRecordsBatch(messages, options);
  if (ours !== undefined) {
    if (counts) counts.ours++;
    if (compact) w.appendUnsignedVarInt(ours.length + 1);
    else w.appendInt32(ours.length);
    w.append(ours);
    return;
  }
  if (counts) counts.library++;
  const records = createRecordsBatch(messages, options);
  if (compact) w.appendUnsignedVarInt(records.length + 1);
  else w.appendInt32(records.length);
  w.appendFrom(records);
}
