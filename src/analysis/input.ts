import { checkEvent, eventRecords, inputName } from "../recordings/index.js";
import type { EventSource } from "./verify.js";

async function* asEvents<T>(records: AsyncIterable<{ record: T; where: string }>) {
  for await (const { record, where } of records) yield { event: record, where };
}

/** The events verify reads from a recording (see eventRecords): JSONL, `.gz`, stdin (`-`), Parquet. */
export function eventSource(path: string): EventSource {
  return {
    name: inputName(path),
    reopenable: path !== "-",
    open: () => asEvents(eventRecords(path, checkEvent)),
  };
}
