import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EVENT_FIELDS, type TraceEvent } from "../../src/event/index.js";
import { readParquetEvents } from "../../src/recordings/parquet.js";
import { defaultLabelsPath as labelsPathFor } from "../../src/sinks/files.js";
import { ParquetFileSink, zlibZstd } from "../../src/sinks/parquet.js";
import { EFFECTS } from "../helpers/labels.js";

const run = promisify(execFile);

const ENDPOINTS = ["/api/products/{id}", "/api/cart", "/api/checkout", "/api/ürün/{id}"];
const METHODS = ["GET", "POST", "PUT", "DELETE"] as const;

/** A small deterministic factory; the engine is not needed to exercise the file format. */
function makeEvent(i: number): TraceEvent {
  const endpoint = ENDPOINTS[i % ENDPOINTS.length]!;
  return {
    event_id: `42-${i >> 4}-${i >> 2}-${i & 3}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 137).toISOString(),
    workflow: i % 5 === 0 ? "ecommerce-日本" : "ecommerce",
    user_id: `user-${i >> 4}`,
    user_type: i % 3 === 0 ? "premium" : "regular",
    session_id: `sess-${i >> 2}`,
    call_index: i & 3,
    endpoint,
    path: endpoint.replace("{id}", String(i % 97)),
    method: METHODS[i % METHODS.length]!,
    params: i % 7 === 0 ? {} : { q: `café ☕ "${i}"\n`, page: i % 10, ratio: i / 8 },
    status_code: i % 11 === 0 ? 503 : 200,
    response_time_ms: 0.1 + 0.2 + i * 1.37,
    is_retry: i % 13 === 0,
    cascade_id: i % 4 === 0 ? `payment-brownout-${i % 3}` : null,
  };
}

const makeEvents = (n: number): TraceEvent[] => Array.from({ length: n }, (_, i) => makeEvent(i));

async function writeAll(sink: ParquetFileSink, events: TraceEvent[], batch: number): Promise<void> {
  await sink.start();
  for (let i = 0; i < events.length; i += batch) await sink.write(events.slice(i, i + batch));
  await sink.close();
}

async function readAll(path: string): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  for await (const e of readParquetEvents(path)) out.push(e);
  return out;
}

/** Runs a pyarrow script on the file and returns what it printed as JSON; fails when pyarrow is absent. */
async function pyarrow(script: string, path: string): Promise<Record<string, unknown>> {
  try {
    await run("python3", ["-c", "import pyarrow"]);
  } catch (err) {
    throw new Error(
      `pyarrow is required by this test (pip install pyarrow); python3 -c "import pyarrow" failed: ${String(err)}`,
    );
  }
  const { stdout } = await run("python3", ["-c", script, path]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewalk-parquet-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ParquetFileSink and readParquetEvents", () => {
  it("round-trips events across several row groups, deep-equal", async () => {
    const path = join(dir, "out", "events.parquet");
    const events = makeEvents(2345);
    await writeAll(new ParquetFileSink({ path, row_group_size: 500 }), events, 97);
    const back = await readAll(path);
    expect(back).toHaveLength(events.length);
    expect(back).toEqual(events);
    expect(back.filter((e) => e.cascade_id === null).length).toBeGreaterThan(0);
    expect(Object.keys(back[1]!)).toEqual([...EVENT_FIELDS]);
  });

  it("is opened by pyarrow with the documented columns, types and values", async () => {
    const path = join(dir, "events.parquet");
    const events = makeEvents(1234);
    await writeAll(new ParquetFileSink({ path, row_group_size: 300 }), events, 1000);
    const script = `
import json, sys
import pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
t = f.read()
print(json.dumps({
  "num_rows": t.num_rows,
  "row_groups": f.metadata.num_row_groups,
  "names": t.schema.names,
  "types": [str(x.type) for x in t.schema],
  "nullable": [x.name for x in t.schema if x.nullable],
  "row1": t.slice(1, 1).to_pylist()[0],
  "nulls": t.column("cascade_id").null_count,
  "version": f.metadata.metadata[b"tracewalk.event_schema_version"].decode(),
}))`;
    const r = await pyarrow(script, path);
    expect(r.num_rows).toBe(1234);
    expect(r.row_groups).toBe(5);
    expect(r.names).toEqual([...EVENT_FIELDS]);
    expect(r.types).toEqual([
      ...Array(6).fill("string"),
      "int32",
      ...Array(4).fill("string"),
      "int32",
      "double",
      "bool",
      "string",
    ]);
    expect(r.nullable).toEqual(["cascade_id"]);
    expect(r.nulls).toBe(events.filter((e) => e.cascade_id === null).length);
    expect(r.version).toBe("1");
    const e1 = events[1]!;
    expect(r.row1).toEqual({ ...e1, params: JSON.stringify(e1.params) });
  });

  it("streams: row groups reach the file before close", async () => {
    const path = join(dir, "events.parquet");
    const sink = new ParquetFileSink({ path, row_group_size: 200 });
    await sink.start();
    await sink.write(makeEvents(450));
    const before = (await stat(path)).size;
    expect(before).toBeGreaterThan(1000);
    await sink.close();
    expect((await stat(path)).size).toBeGreaterThan(before);
    expect(await readAll(path)).toEqual(makeEvents(450));
  });

  it("writes a valid empty file, and close is safe twice", async () => {
    const path = join(dir, "empty.parquet");
    const sink = new ParquetFileSink({ path });
    await sink.start();
    await sink.close();
    await sink.close();
    expect(await readAll(path)).toEqual([]);
    const r = await pyarrow(
      "import json, sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); " +
        'print(json.dumps({"n": t.num_rows, "names": t.schema.names}))',
      path,
    );
    expect(r).toEqual({ n: 0, names: [...EVENT_FIELDS] });
    await expect(sink.write(makeEvents(1))).rejects.toMatchObject({ code: "TW_SINK_FAILED" });
  });

  it("writes labels to a sibling JSONL file only when labels arrive", async () => {
    const path = join(dir, "run.parquet");
    expect(labelsPathFor(path)).toBe(join(dir, "run.labels.jsonl"));
    const quiet = new ParquetFileSink({ path });
    await writeAll(quiet, makeEvents(3), 3);
    await expect(stat(labelsPathFor(path))).rejects.toMatchObject({ code: "ENOENT" });

    const sink = new ParquetFileSink({ path });
    await sink.start();
    await sink.writeLabels([]);
    const label = {
      cascade_id: "c-1",
      name: "payment-brownout",
      start: "2026-01-01T00:30:00.000Z",
      end: "2026-01-01T00:35:00.000Z",
      scope: { endpoints: ["/api/payment*"] },
      effects: EFFECTS,
    };
    await sink.writeLabels([label]);
    await sink.writeLabels([{ ...label, cascade_id: "c-2" }]);
    await sink.close();
    const lines = (await readFile(labelsPathFor(path), "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([label, { ...label, cascade_id: "c-2" }]);
  });

  it("writes labels to labels_path when given, creating its directory", async () => {
    const path = join(dir, "run.parquet");
    const labels = join(dir, "truth", "cascades.jsonl");
    const sink = new ParquetFileSink({ path, labels_path: labels });
    expect(sink.labelsPath).toBe(labels);
    await sink.start();
    await sink.write(makeEvents(10));
    const label = {
      cascade_id: "payment-brownout-0",
      name: "payment-brownout",
      start: "2026-01-01T00:30:00.000Z",
      end: "2026-01-01T00:35:00.000Z",
      scope: {},
      effects: EFFECTS,
    };
    await sink.writeLabels([label]);
    await sink.close();
    expect(JSON.parse(await readFile(labels, "utf8"))).toEqual(label);
    await expect(stat(labelsPathFor(path))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readAll(path)).toEqual(makeEvents(10));
  });

  it("says why the file cannot be opened: a directory in its place is bad input", async () => {
    const err = await new ParquetFileSink({ path: dir }).start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TW_OUTPUT_INVALID" });
    expect((err as Error).message).toMatch(
      /^cannot open .* for writing: EISDIR: illegal operation on a directory/,
    );
  });

  it("supports zstd where node:zlib has it, and says why not where it does not", async () => {
    const path = join(dir, "z.parquet");
    if (zlibZstd("zstdCompressSync") === undefined) {
      expect(() => new ParquetFileSink({ path, compression: "zstd" })).toThrow(
        expect.objectContaining({ code: "TW_CONFIG_INVALID" }),
      );
      return;
    }
    const events = makeEvents(700);
    await writeAll(new ParquetFileSink({ path, compression: "zstd", row_group_size: 300 }), events, 50);
    expect(await readAll(path)).toEqual(events);
    const r = await pyarrow(
      "import json, sys, pyarrow.parquet as pq; m = pq.ParquetFile(sys.argv[1]).metadata; " +
        'print(json.dumps({"n": m.num_rows, "codec": m.row_group(0).column(0).compression}))',
      path,
    );
    expect(r).toEqual({ n: 700, codec: "ZSTD" });
  });

  it("rejects bad options and files that are not Event v1 Parquet", async () => {
    expect(() => new ParquetFileSink({ path: join(dir, "x.parquet"), row_group_size: 0 })).toThrow(
      expect.objectContaining({ code: "TW_CONFIG_INVALID" }),
    );
    const notParquet = join(dir, "x.parquet");
    await writeFile(notParquet, "not parquet at all");
    await expect(readAll(notParquet)).rejects.toMatchObject({ code: "TW_INPUT_INVALID" });
    await expect(readAll(join(dir, "missing.parquet"))).rejects.toMatchObject({ code: "TW_INPUT_INVALID" });
  });
});
