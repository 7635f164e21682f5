import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import { StdoutSink } from "../../src/sinks/stdout.js";
import { EFFECTS } from "../helpers/labels.js";

const event: TraceEvent = {
  event_id: "e-1",
  timestamp: "2026-01-01T00:00:00.000Z",
  workflow: "ecommerce",
  user_id: "u-1",
  user_type: "regular",
  session_id: "s-1",
  call_index: 0,
  endpoint: "/api/cart",
  path: "/api/cart",
  method: "GET",
  params: {},
  status_code: 503,
  response_time_ms: 40.5,
  is_retry: false,
  cascade_id: "c-1",
};
const label: CascadeLabel = {
  cascade_id: "c-1",
  name: "session-cascade",
  start: "2026-01-01T00:00:00.000Z",
  end: "2026-01-01T00:05:00.000Z",
  scope: {},
  effects: EFFECTS,
};

/** A stream standing in for standard output, collecting what is written to it. */
function output(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => Buffer.concat(chunks).toString() };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewalk-stdout-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("StdoutSink labels", () => {
  it("writes labels to labels_path, never among the events", async () => {
    const out = output();
    const labels = join(dir, "deep", "labels.jsonl");
    const sink = new StdoutSink(out.stream, { labels_path: labels });
    expect(sink.labelsPath).toBe(labels);
    await sink.start();
    await sink.write([event]);
    await sink.writeLabels([label]);
    await sink.writeLabels([{ ...label, cascade_id: "c-2" }]);
    await sink.close();
    expect(
      out
        .text()
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([event]);
    const lines = (await readFile(labels, "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([label, { ...label, cascade_id: "c-2" }]);
  });

  it("has no labels destination without labels_path, and writes no file", async () => {
    const out = output();
    const sink = new StdoutSink(out.stream);
    expect(sink.labelsPath).toBeNull();
    await sink.start();
    await sink.write([event]);
    await sink.writeLabels([label]);
    await sink.close();
    expect(out.text()).not.toContain("session-cascade");
    await expect(stat(join(dir, "labels.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("fails writeLabels with TW_OUTPUT_INVALID when the labels path cannot be opened", async () => {
    const sink = new StdoutSink(output().stream, { labels_path: dir });
    await sink.start();
    await expect(sink.writeLabels([label])).rejects.toMatchObject({
      code: "TW_OUTPUT_INVALID",
      message: expect.stringContaining(`cannot open ${dir} for writing: EISDIR`),
    });
    await sink.close();
  });

  it("leaves no listeners behind when it waits for a full pipe, however often", async () => {
    // A pipe with a small buffer and a reader that takes each chunk on the next turn.
    const stream = new Writable({ highWaterMark: 16, write: (_c, _e, done) => setImmediate(done) });
    const sink = new StdoutSink(stream as unknown as NodeJS.WriteStream);
    await sink.start();
    const before = { close: stream.listenerCount("close"), error: stream.listenerCount("error") };
    // Every batch is bigger than the pipe's buffer, so every write waits for 'drain'.
    for (let i = 0; i < 30; i++) await sink.write([event]);
    expect(stream.listenerCount("close")).toBe(before.close);
    expect(stream.listenerCount("error")).toBe(before.error);
    expect(stream.listenerCount("drain")).toBe(0);
    await sink.close();
  });
});
