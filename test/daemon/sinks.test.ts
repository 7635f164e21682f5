import { describe, expect, test } from "vitest";
import { systemClock } from "../../src/daemon/clock.js";
import { Deadline } from "../../src/daemon/deadline.js";
import { SinkSet } from "../../src/daemon/sinks.js";
import { TwError } from "../../src/errors.js";
import type { Sink } from "../../src/sinks/types.js";

/** A sink that stops for good when `stop` is called, as the Kafka sink does on a fatal error. */
function stoppable(): { sink: Sink; stop: (err: Error) => void } {
  let stop!: (err: Error) => void;
  const stopped = new Promise<Error>((resolve) => {
    stop = resolve;
  });
  const sink: Sink = {
    name: "s",
    stopped,
    backlog: 0,
    start: async () => {},
    write: async () => {},
    writeLabels: async () => {},
    close: async () => {},
    destroy: () => {},
  };
  return { sink, stop };
}

describe("SinkSet and sinks that stop for good", () => {
  test("stopped resolves with the first sink's error; after close, failure names it", async () => {
    const a = stoppable();
    const b = stoppable();
    const set = new SinkSet(
      [
        { name: "a", sink: a.sink },
        { name: "b", sink: b.sink },
      ],
      null,
    );
    const err = new TwError("TW_SINK_FAILED", "kafka: topic refused a batch");
    b.stop(err);
    await expect(set.stopped).resolves.toBe(err);
    await expect(set.close([], new Deadline(systemClock))).resolves.toEqual({ a: 0, b: 0 });
    expect(set.failure).toBe(err);
  });

  test("with no sink stopped, close resolves, failure is unset and stopped stays pending", async () => {
    const a = stoppable();
    const set = new SinkSet([{ name: "a", sink: a.sink }], null);
    await expect(set.close([], new Deadline(systemClock))).resolves.toEqual({ a: 0 });
    expect(set.failure).toBeUndefined();
    const pending = Symbol("pending");
    await expect(
      Promise.race([set.stopped, new Promise((ok) => setImmediate(() => ok(pending)))]),
    ).resolves.toBe(pending);
  });
});
