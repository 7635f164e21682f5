// The recordings module: the one reader of what was recorded (Event v1 as JSONL or Parquet, nginx/Apache
// access logs; gzip; stdin), with one format rule and one access-log sessionizer. verify, score, fit
// and replay all read through it.
export {
  endsSession,
  LOG_USER_TYPE,
  LOG_WORKFLOW,
  type LogCall,
  LogSessions,
  parseLogLine,
  parseLogTime,
  sessionKey,
} from "./access-log.js";
export { LogLineScanner } from "./access-log-bytes.js";
export { checkEvent, type PathEvent } from "./event.js";
export { type CallEvent, checkCallEvent, EventGrouper, parquetCalls } from "./events.js";
export {
  checkFormat,
  formatByName,
  formatOfLine,
  RECORDING_FORMATS,
  type RecordingFormat,
} from "./format.js";
export {
  type ByteRange,
  type Chunks,
  eachLine,
  eachLineBytes,
  type Input,
  inputName,
  invalidInput,
  isBlank,
  isBlankBytes,
  lines,
  openChunks,
  openInput,
} from "./input.js";
export { type CallFilter, Interner, type RawRecording, type RawSession, sortByTime } from "./raw.js";
export { DEFAULT_GAP_MS, readSessions, type SessionReadOptions } from "./read.js";
export { eventRecords, jsonlRecords, type RecordCheck } from "./records.js";
export { isIdSegment, PathParams, type Templated, Templater } from "./template.js";
export type { RecordedCall, RecordedSession } from "./types.js";
