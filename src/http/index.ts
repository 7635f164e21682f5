// HTTP mode: the outcome source that sends each call to the target (own HTTP/1.1 client for http://,
// undici's pool for https:// and pipelining; limiter, TLS), the dry
// run, the fault injectors of drills, and how a failed request is named.
export { DryRunOutcome } from "./dry-run.js";
export { errorKind } from "./errors.js";
export { HttpOutcome } from "./http-outcome.js";
export { createInjection, InjectedTimeline, type Injection } from "./inject/index.js";
