export { DEFAULT_MAX_LENGTH, DEFAULT_SEED, DEFAULT_START } from "../config/defaults.js";
export { type CascadeLabel, EVENT_FIELDS, EVENT_SCHEMA_VERSION, type TraceEvent } from "../event/index.js";
export { type CompiledWorkflow, compileWorkflow } from "./compile.js";
export { type ArrivalSource, Engine, type EngineHooks } from "./engine.js";
export { type GenerationOptions, generationOptions, type SessionCascade, type ThinkTime } from "./options.js";
export {
  type CallOutcome,
  type ChosenCall,
  NO_RETRY,
  newOutcome,
  type Outcome,
  type OutcomeModifier,
  SimulatedOutcome,
} from "./outcome.js";
export { OfflineArrivals, type OfflinePlanOptions, type Shard } from "./plan.js";
export { seedKey } from "./rng.js";
export { type Arrival, Session } from "./session.js";
export { SessionCascadeModifier, SessionCascadeRun } from "./session-cascade.js";
