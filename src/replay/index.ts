// The replay stage's public face: a recording (Event v1 JSONL/Parquet or an access log) read into sessions.
export { type RecordingOptions, readRecording } from "./read.js";
export { copyOffset, type FilterOptions, type Recording } from "./shape.js";
export type { RecordedCall, RecordedSession } from "./types.js";
