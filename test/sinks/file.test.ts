import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import { FileSink } from "../../src/sinks/file.js";
import { makeDirs } from "../../src/sinks/files.js";
import { waitFor } from "../helpers/cli.js";
import { EFFECTS } from "../helpers/labels.js";

function makeEvent(i: number): TraceEvent {
  return {
    event_id: `e-${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    workflow: "ecommerce",
    user_id: `u-${i >> 3}`,
    user_type: "regular",
    session_id: `s-${i >> 2}`,
    call_index: i & 3,
    endpoint: "/api/cart",
    path: "/api/cart",
    method: "GET",
    params: {},
    status_code: 200,
    response_time_ms: 12.5,
    is_retry: false,
    cascade_id: i % 5 === 0 ? "c-1" : null,
  };
}

const events = (n: number) => Array.from({ length: n }, (_, i) => makeEvent(i));
const label: CascadeLabel = {
  cascade_id: "c-1",
  name: "payment-brownout",
  start: "2026-01-01T00:30:00.000Z",
  end: "2026-01-01T00:35:00.000Z",
  scope: { endpoints: ["/api/payment*"] },
  effects: EFFECTS,
};

let dir: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewalk-file-"));
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  process.off("unhandledRejection", onUnhandled);
  await rm(dir, { recursive: true, force: true });
});

/** One turn of the event loop: an unhandled rejection is reported by then. */
const turn = () => new Promise((r) => setImmediate(r));

describe("FileSink", () => {
  it("writes events and, to labels_path, labels", async () => {
    const path = join(dir, "events.jsonl");
    const labels = join(dir, "ground", "truth.jsonl");
    const sink = new FileSink({ path, labels_path: labels });
    await sink.start();
    await sink.write(events(10));
    await sink.writeLabels([label]);
    await sink.close();
    expect((await readFile(path, "utf8")).trimEnd().split("\n")).toHaveLength(10);
    expect(JSON.parse(await readFile(labels, "utf8"))).toEqual(label);
  });

  it("puts labels beside the events by default, and creates the file only when labels arrive", async () => {
    const path = join(dir, "run.jsonl");
    const quiet = new FileSink({ path });
    expect(quiet.labelsPath).toBe(join(dir, "run.labels.jsonl"));
    await quiet.start();
    await quiet.write(events(3));
    await quiet.close();
    await expect(stat(join(dir, "run.labels.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("catches a failed background write (disk full) and throws it as TW_SINK_FAILED on the next write and on close", async () => {
    // /dev/full accepts open and fails every write with ENOSPC, as a full disk does, even for root.
    const sink = new FileSink({ path: "/dev/full" });
    await sink.start();
    expect(sink.ready).toBe(true);
    // write resolves once the bytes are handed to the file; the failure comes afterwards, in the background.
    await sink.write(events(100));
    await waitFor("the background write to fail", () => !sink.ready, 10_000);
    await turn();
    expect(unhandled).toEqual([]);
    const next = sink.write(events(1));
    await expect(next).rejects.toMatchObject({ code: "TW_SINK_FAILED" });
    await expect(next).rejects.toThrow(/writing \/dev\/full failed: ENOSPC: no space left on device/);
    await expect(sink.close()).rejects.toMatchObject({ code: "TW_SINK_FAILED" });
    await turn();
    expect(unhandled).toEqual([]);
  });

  it("catches a failed background write of labels the same way", async () => {
    const sink = new FileSink({ path: join(dir, "ok.jsonl"), labels_path: "/dev/full" });
    await sink.start();
    await sink.writeLabels([label]);
    await waitFor("the labels write to fail", () => !sink.ready, 10_000);
    await turn();
    expect(unhandled).toEqual([]);
    await expect(sink.writeLabels([label])).rejects.toThrow(/writing \/dev\/full failed: ENOSPC/);
    await expect(sink.close()).rejects.toMatchObject({ code: "TW_SINK_FAILED" });
    expect((await readFile(join(dir, "ok.jsonl"), "utf8")).length).toBe(0);
  });

  it("says why a path cannot be opened, as bad input: a directory, or a file where a directory should be", async () => {
    const asDir = join(dir, "taken");
    await mkdir(asDir);
    await expect(new FileSink({ path: asDir }).start()).rejects.toMatchObject({
      code: "TW_OUTPUT_INVALID",
      message: expect.stringMatching(/^cannot open .*taken for writing: EISDIR/),
    });
    const file = join(dir, "plain");
    await writeFile(file, "x");
    const under = join(file, "events.jsonl");
    const err = await new FileSink({ path: under }).start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TW_OUTPUT_INVALID" });
    expect((err as Error).message).toBe(
      `cannot open ${under} for writing: ${file} is a file, not a directory`,
    );
  });

  it("makes missing directories as mkdir -p does, and fails, not loops, where the system refuses one", async () => {
    const deep = join(dir, "a", "b", "c");
    // Twice at once, as an events file and its labels beside it may be opened.
    await Promise.all([makeDirs(deep), makeDirs(deep)]);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await makeDirs(deep);
    await symlink(join(dir, "a"), join(dir, "to-a"));
    await makeDirs(join(dir, "to-a", "b", "d"));
    expect((await stat(join(dir, "a", "b", "d"))).isDirectory()).toBe(true);
    await writeFile(join(dir, "plain"), "x");
    await expect(makeDirs(join(dir, "plain"))).rejects.toMatchObject({ code: "EEXIST", syscall: "mkdir" });
    await expect(makeDirs(join(dir, "plain", "x", "y"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await symlink(join(dir, "nowhere"), join(dir, "dangling"));
    await expect(makeDirs(join(dir, "dangling", "x"))).rejects.toThrow(
      `${join(dir, "dangling")} is a symbolic link to a path that does not exist`,
    );
    // /proc refuses new entries with ENOENT though /proc exists: Node's recursive mkdir never settles.
    await expect(makeDirs("/proc/tracewalk-nowhere/x")).rejects.toMatchObject({
      code: "ENOENT",
      path: "/proc/tracewalk-nowhere",
    });
  });

  it("fails a rotation whose file was removed with TW_SINK_FAILED naming the path", async () => {
    const sub = join(dir, "sub");
    const path = join(sub, "r.jsonl");
    const sink = new FileSink({ path, rotate_bytes: 100 });
    await sink.start();
    await rm(sub, { recursive: true });
    await expect(sink.write(events(5))).rejects.toMatchObject({
      code: "TW_SINK_FAILED",
      message: expect.stringContaining(`writing ${path}.1 failed: ENOENT`),
    });
    expect(sink.ready).toBe(false);
    // Sticky: a later write throws the same error instead of reopening the file.
    await expect(sink.write(events(1))).rejects.toThrow(`writing ${path}.1 failed`);
    await sink.close().catch(() => {});
    await turn();
    expect(unhandled).toEqual([]);
  });
});
