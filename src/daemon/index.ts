/**
 * The daemon stage's public face: a run wired from its config (sessions, load, cascades, sinks, metrics,
 * control, shutdown), the offline dataset job, the logger and the sink set's accounting.
 */
export { createDaemon, type Daemon } from "./daemon.js";
export { type DatasetJob, runDatasetJob } from "./dataset-worker.js";
export type { DatasetProgress, DatasetResult } from "./generate.js";
export { labelRoutes, labelsCanOccur, logLabelRoutes } from "./labels.js";
export { createLogger, type Logger } from "./log.js";
export { replaySessions, SESSION_KINDS, walkSessions } from "./session-sources.js";
export { totalUndelivered, type Undelivered } from "./sinks.js";
