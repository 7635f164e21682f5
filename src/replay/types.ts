// A recorded session and its calls are what the recordings module reads; replay sends them again.
export type { RecordedCall, RecordedSession } from "../recordings/index.js";
