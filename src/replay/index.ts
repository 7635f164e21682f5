// The replay stage's public face: a recording (Event v1 JSONL/Parquet or an access log) read into sessions.
export { LOG_USER_TYPE, LOG_WORKFLOW, parseLogLine, parseLogTime } from "./access-log.js";
export { checkReplayEvent } from "./events.js";
export {
  DEFAULT_GAP_MS,
  RECORDING_FORMATS,
  type RecordingFormat,
  type RecordingOptions,
  readRecording,
  recordingFormat,
} from "./read.js";
export { copyOffset, type FilterOptions, type Recording } from "./shape.js";
export type { RecordedCall, RecordedSession } from "./types.js";
