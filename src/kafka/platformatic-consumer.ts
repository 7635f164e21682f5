import type { KafkaConsumer, KafkaConsumerOptions, OnRecord } from "./client.js";
import { baseOptions, missingTopics } from "./platformatic.js";
import { Consumer, type MessagesStream, MessagesStreamModes } from "./platformatic-lib.js";

/** A `KafkaConsumer` on @platformatic/kafka. */
export function createPlatformaticConsumer(options: KafkaConsumerOptions): KafkaConsumer {
  return new PlatformaticConsumer(options);
}

class PlatformaticConsumer implements KafkaConsumer {
  readonly failed: Promise<unknown>;
  private reportFailure!: (err: unknown) => void;
  private readonly consumer: Consumer;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KafkaConsumerOptions) {
    this.consumer = new Consumer({
      ...baseOptions(options, "consumer"),
      groupId: options.groupId,
      // Never commit: a reader must not move a group that a team's own consumers may share.
      autocommit: false,
      maxWaitTime: 250,
    });
    this.failed = new Promise((resolve) => {
      this.reportFailure = resolve;
    });
  }

  missingTopics(topics: readonly string[]): Promise<string[]> {
    return missingTopics(this.options, topics);
  }

  async start(onRecord: OnRecord): Promise<void> {
    const stream = await this.consumer.consume({
      topics: [this.options.topic],
      autocommit: false,
      // A fresh group has no committed offsets; the mode alone says where reading starts.
      mode: this.options.fromBeginning ? MessagesStreamModes.EARLIEST : MessagesStreamModes.LATEST,
    });
    this.stream = stream;
    stream.on("data", (m) => {
      onRecord(m.value?.toString("utf8") ?? "", `${m.topic}/${m.partition}@${m.offset}`);
    });
    // The library retries within `retries` itself; an error reaching the stream stops reading.
    stream.on("error", (err) => this.reportFailure(err));
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    await this.stream?.close().catch(() => {});
    await this.consumer.close(true);
  }
}
