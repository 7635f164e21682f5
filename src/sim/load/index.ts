export { ClosedLoad, type ClosedLoadOptions } from "./closed.js";
export { MAX_SESSIONS_PER_USER, UserDraws, workflowCumulative } from "./common.js";
export { OpenLoad, type OpenLoadOptions } from "./open.js";
export { RateSchedule, type Segment, type Stage } from "./rate.js";
export type { LoadModel, WorkflowShare } from "./types.js";
export { UserHeap } from "./user-heap.js";
