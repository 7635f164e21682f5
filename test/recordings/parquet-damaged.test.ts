// A damaged Parquet file is a clear error in bounded time. hyparquet reads a version-2 data page whose
// header lost its repetition levels' length at offset NaN, and never stops: the reader checks the
// page headers first (src/recordings/parquet.ts). The property test of the readers
// (test/property/recordings.test.ts) once drew such a byte and hung CI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { afterAll, describe, expect, it } from "vitest";
import { ParquetFileSink } from "../../src/sinks/parquet.js";
import { runCliWithin } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tw-parquet-damaged-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function goldenParquet(): Promise<Buffer> {
  const events = readFileSync(new URL("../fixtures/golden/ecommerce-cascade.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(0, 12)
    .map((l) => JSON.parse(l));
  const path = join(dir, "golden.parquet");
  const sink = new ParquetFileSink({ path, compression: "uncompressed" });
  await sink.start();
  await sink.write(events);
  await sink.close();
  return readFileSync(path);
}

/**
 * The first one-byte change in the nullable cascade_id column whose page header then reads as a
 * version-2 data page with values and its definition levels' length, but no repetition levels' length.
 */
function levelsLengthLost(good: Buffer): Buffer {
  const meta = parquetMetadata(
    good.buffer.slice(good.byteOffset, good.byteOffset + good.length) as ArrayBuffer,
  );
  const chunk = meta.row_groups[0]!.columns.find((c) => c.meta_data?.path_in_schema[0] === "cascade_id")!;
  const m = chunk.meta_data!;
  const start = Number(m.dictionary_page_offset || m.data_page_offset);
  const end = start + Number(m.total_compressed_size);
  for (let i = start; i < end; i++) {
    for (let x = 1; x < 256; x++) {
      const b = Buffer.from(good);
      b[i] = b[i]! ^ x;
      const reader = { view: new DataView(b.buffer, b.byteOffset + start, end - start), offset: 0 };
      try {
        while (reader.offset < end - start) {
          const h = parquetHeader(reader);
          const v2 = h.data_page_header_v2;
          if (
            h.type === "DATA_PAGE_V2" &&
            v2 !== undefined &&
            v2.num_values > 0 &&
            v2.definition_levels_byte_length >= 0 &&
            v2.repetition_levels_byte_length === undefined
          )
            return b;
          if (!(h.compressed_page_size >= 0)) break;
          reader.offset += h.compressed_page_size;
        }
      } catch {
        // Not a header any more: not the damage looked for.
      }
    }
  }
  throw new Error("no such byte in the golden file");
}

describe("a damaged Parquet file", () => {
  it("whose page lost its levels' length is a clear error (exit 2), not a reader that never stops", async () => {
    const bad = join(dir, "bad.parquet");
    writeFileSync(bad, levelsLengthLost(await goldenParquet()));
    const r = await runCliWithin(["fit", "--input", bad, "--out", join(dir, "fitted.yaml")], 30_000);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/damaged page/);
    expect(r.stderr).toMatch(
      /cascade_id: byte \d+: the page's levels lengths are missing or do not fit in it/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
