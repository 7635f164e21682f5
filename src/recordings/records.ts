import { ErrorCode, TwError } from "../errors.js";
import { formatByName, formatOfLine, type RecordingFormat } from "./format.js";
import { inputName, invalidInput, lines } from "./input.js";

/** Checks one parsed record and returns what the reader needs; throws a TwError naming `where`. */
export type RecordCheck<T> = (raw: unknown, where: string) => T;

function parseLine<T>(text: string, where: string, check: RecordCheck<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalidInput(where, `malformed JSON (${(err as Error).message})`);
  }
  return check(raw, where);
}

/**
 * The checked records of a JSONL file (gzipped if it ends in `.gz`) or of stdin (`-`), each with its
 * `file:line`; blank lines skipped.
 */
export async function* jsonlRecords<T>(path: string, check: RecordCheck<T>) {
  for await (const { text, where } of lines(path)) yield { record: parseLine(text, where, check), where };
}

async function* parquetRecords<T>(path: string, check: RecordCheck<T>) {
  const { readParquetEvents } = await import("./parquet.js");
  let row = 0;
  try {
    for await (const raw of readParquetEvents(path)) {
      row++;
      const where = `${path}: row ${row}`;
      yield { record: check(raw, where), where };
    }
  } catch (err) {
    if (err instanceof TwError) throw err;
    throw invalidInput(path, `cannot read Parquet (${(err as Error).message})`);
  }
}

/** JSONL records, refusing an access log (sniffed by its first line) with a message that says so. */
async function* sniffedRecords<T>(path: string, check: RecordCheck<T>, format?: RecordingFormat) {
  let first = true;
  for await (const { text, where } of lines(path)) {
    if (first && (format ?? formatOfLine(text)) === "combined") {
      throw new TwError(
        ErrorCode.INPUT_INVALID,
        `${inputName(path)}: an access log, not Event v1 (this command reads events as JSONL or Parquet; fit and replay read access logs)`,
      );
    }
    first = false;
    yield { record: parseLine(text, where, check), where };
  }
}

/**
 * The checked events of a recording, each with its `file:line` (or `file: row N`): JSONL (`.gz` too),
 * stdin (`-`), or Parquet (by `.parquet` or `format`), the format told as `formatByName` tells it.
 */
export function eventRecords<T>(path: string, check: RecordCheck<T>, format?: RecordingFormat) {
  return formatByName(path, format) === "parquet"
    ? parquetRecords(path, check)
    : sniffedRecords(path, check, format);
}
