// Parquet written by another writer: pyarrow's version-1 data pages (its default; tracewalk writes
// version 2). They read as written; and a copy with one byte changed is a clear error (exit 2) in
// bounded time. hyparquet writes a run of levels, dictionary indices or booleans without bounding it
// by its page, so one byte made a run of ~10^8 values: V8 aborted the process ("Fatal JavaScript
// invalid size error", exit 133), or the read took seconds to minutes and gigabytes. The cases are
// from a sweep of every byte of these files (each changed to 0x00, 0x7F and its complement).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readParquetEvents } from "../../src/recordings/parquet.js";
import { runCliWithin } from "../helpers/cli.js";

const fixture = (name: string) => new URL(`../fixtures/pyarrow/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "tw-parquet-pyarrow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Parquet files written by pyarrow (version-1 pages)", () => {
  it("read as written: dictionary or not, snappy or not, small pages in two row groups", async () => {
    const want = readFileSync(fixture("events.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    for (const name of ["plain-none", "plain-snappy", "dict-none", "dict-snappy", "dict-snappy-smallpages"]) {
      const got = [];
      for await (const e of readParquetEvents(fixture(`${name}.parquet`))) got.push(e);
      expect(got, name).toEqual(want);
    }
  });

  // [file, byte, new value, what the error says]
  const cases: [string, number, number, RegExp][] = [
    // The first definition-level run of cascade_id (nullable) grows from 4 values to 3 x 10^8.
    [
      "dict-snappy",
      6159,
      0xf6,
      /cascade_id: byte \d+: definition levels: a run of 302130939 values where 27 are left/,
    ],
    // The footer makes status_code optional: its plain values are read as definition levels.
    [
      "dict-snappy",
      6427,
      0x7f,
      /status_code: byte \d+: definition levels: a run of \d+ values where 200 are left/,
    ],
    // The footer makes status_code a boolean column: its plain values are read as booleans' runs.
    ["dict-snappy", 7537, 0x00, /status_code: byte \d+: values: a run of \d+ values where 200 are left/],
    // A page header says 179,976 values in a column chunk of 200.
    ["dict-snappy", 1065, 0xfc, /a page of 179976 values in a column chunk of 200/],
    // Dictionary indices of response_time_ms: a run of 1.3 x 10^8 (52 s and 7.4 GB, then an error).
    [
      "dict-snappy-smallpages",
      4337,
      0xf8,
      /response_time_ms: byte \d+: dictionary indices: a run of 126228540 values/,
    ],
    [
      "dict-snappy-smallpages",
      727,
      0xe6,
      /event_id: byte \d+: dictionary indices: a run of 100663347 values/,
    ],
    // The footer gives event_id repetition levels.
    ["dict-snappy-smallpages", 7924, 0x04, /event_id: byte \d+: repetition levels: a run of \d+ values/],
  ];

  it.each(cases)(
    "changed at %s byte %i is a clear error (exit 2), not an aborted process",
    async (file, at, value, says) => {
      const bytes = readFileSync(fixture(`${file}.parquet`));
      expect(bytes[at]).not.toBe(value);
      bytes[at] = value;
      const bad = join(dir, `${file}-${at}.parquet`);
      writeFileSync(bad, bytes);
      const r = await runCliWithin(["fit", "--input", bad, "--out", join(dir, "fitted.yaml")], 30_000);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/damaged page/);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
