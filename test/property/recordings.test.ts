// Properties of the readers of recorded traffic: the access-log line parser, the replay reader
// (JSONL, combined logs, Parquet) and score's readers (events, labels, alerts, flags). Any text or
// bytes give a result or a clear TwError (exit 2, one line), never a crash.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readAlerts,
  readFlags,
  readRecording as readScored,
  readWindows,
} from "../../src/analysis/score-input.js";
import { parseLogLine } from "../../src/recordings/index.js";
import { readRecording } from "../../src/replay/read.js";
import { ParquetFileSink } from "../../src/sinks/parquet.js";
import { RUNS, resultOrClearError, scratch } from "./clear.js";
import { mutated, mutatedText } from "./mutate.js";

const tmp = scratch("tw-prop-rec-");
afterAll(() => tmp.remove());

const golden = (name: string) =>
  readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(0, 12);
const EVENTS = golden("ecommerce-cascade.jsonl");
const LABELS = golden("ecommerce-cascade.labels.jsonl");

/** The golden events as a real Parquet file (uncompressed, so a flipped byte lands in data, not a codec). */
let parquet: Buffer;
beforeAll(async () => {
  const path = tmp.file(".parquet", "");
  const sink = new ParquetFileSink({ path, compression: "uncompressed" });
  await sink.start();
  await sink.write(EVENTS.map((l) => JSON.parse(l)));
  await sink.close();
  parquet = readFileSync(path);
  // Undamaged, it reads: the damage below is what makes a difference.
  expect((await readRecording(path)).calls).toBe(EVENTS.length);
});

const LOG_LINES = [
  '10.0.0.1 - - [01/Mar/2026:10:00:00 +0000] "GET /api/products/42?page=2 HTTP/1.1" 200 512 "-" "curl/8.5.0"',
  '10.0.0.2 - alice [01/Mar/2026:10:00:01 +0100] "POST /api/cart HTTP/1.1" 201 17 "https://shop.example/" "Mozilla/5.0" 0.012',
  '10.0.0.1 - - [01/Mar/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 5',
  '10.0.0.3 - - [01/Mar/2026:10:00:02 +0000] "-" 400 0 "-" "-"',
];

/** JSONL of valid records with some lines mutated (as text or as values), or junk lines. */
function jsonl(lines: string[]): fc.Arbitrary<string> {
  const line = fc.oneof(
    fc.constantFrom(...lines),
    fc.constantFrom(...lines).chain((l) => mutatedText(l)),
    fc
      .constantFrom(...lines.map((l) => JSON.parse(l) as unknown))
      .chain((v) => mutated(v, 2).map((m) => JSON.stringify(m) ?? "")),
    fc.string({ maxLength: 40 }),
  );
  return fc.array(line, { maxLength: 6 }).map((ls) => `${ls.join("\n")}\n`);
}

const logText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...LOG_LINES),
      fc.constantFrom(...LOG_LINES).chain((l) => mutatedText(l)),
    ),
    {
      maxLength: 6,
    },
  )
  .map((ls) => `${ls.join("\n")}\n`);

describe("recording reader properties", () => {
  it("an access-log line of any text is a call, null (not a replayable call), or a clear TwError", async () => {
    const line = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.constantFrom(...LOG_LINES).chain((l) => mutatedText(l)),
    );
    await fc.assert(
      fc.asyncProperty(line, async (l) => {
        const out = await resultOrClearError(() => parseLogLine(l, "access.log:1"));
        if (out.ok && out.value !== null) {
          const { call } = out.value;
          expect(call.path.startsWith("/")).toBe(true);
          for (const n of [call.at, call.status, call.latencyMs]) expect(Number.isFinite(n)).toBe(true);
        }
        if (!out.ok) expect(out.error.message).toMatch(/^access\.log:1\b/);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("replay reads any JSONL, combined log or Parquet bytes to a recording or a clear TwError", async () => {
    const input = fc.oneof(
      jsonl(EVENTS).map((t) => ({ ext: ".jsonl", data: t as string | Uint8Array })),
      logText.map((t) => ({ ext: ".log", data: t as string | Uint8Array })),
      fc.string({ maxLength: 200 }).map((t) => ({ ext: ".txt", data: t as string | Uint8Array })),
      fc.uint8Array({ maxLength: 200 }).map((b) => ({ ext: ".parquet", data: b as string | Uint8Array })),
      // A Parquet file's magic at both ends around junk: past the first check.
      fc.uint8Array({ maxLength: 120 }).map((b) => ({
        ext: ".parquet",
        data: Buffer.concat([Buffer.from("PAR1"), b, Buffer.from("PAR1")]),
      })),
    );
    await fc.assert(
      fc.asyncProperty(input, async ({ ext, data }) => {
        const file = tmp.file(ext, data as string);
        const out = await resultOrClearError(() => readRecording(file));
        if (out.ok) expect(out.value.sessions.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("score reads any events, labels, alerts and flags files to values or a clear TwError", async () => {
    await fc.assert(
      fc.asyncProperty(jsonl(EVENTS), jsonl(LABELS), jsonl(EVENTS), async (events, labels, alerts) => {
        const flagsFile = tmp.file(".jsonl", alerts);
        const flags = await resultOrClearError(() => readFlags(flagsFile));
        await resultOrClearError(() => readAlerts(tmp.file(".jsonl", alerts)));
        await resultOrClearError(() => readWindows(tmp.file(".jsonl", labels)));
        await resultOrClearError(() =>
          readScored(tmp.file(".jsonl", events), flags.ok ? flags.value : new Map()),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("a real Parquet file with bytes changed or cut gives a recording or a clear TwError (replay and score)", async () => {
    const damage = fc.oneof(
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => (b: Buffer) => {
        const copy = Buffer.from(b);
        const i = at % copy.length;
        copy[i] = copy[i]! ^ x;
        return copy;
      }),
      fc.nat().map((at) => (b: Buffer) => b.subarray(0, at % b.length)),
    );
    await fc.assert(
      fc.asyncProperty(damage, async (f) => {
        const file = tmp.file(".parquet", f(parquet) as unknown as string);
        await resultOrClearError(() => readRecording(file));
        await resultOrClearError(() => readScored(file, new Map()));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
