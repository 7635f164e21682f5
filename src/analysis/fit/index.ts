// fit: learn a workflow from recorded calls (Event v1 or access logs).

export { isIdSegment, PathParams, type Templated, Templater } from "../../recordings/index.js";
export {
  buildWorkflow,
  type FitEdge,
  type FitOptions,
  type FitResult,
  type FitRow,
  roundRow,
  TRUST_COUNT,
  wilson,
} from "./build.js";
export { FIT_FORMATS, type FitFormat, type InputTally, readCalls } from "./input.js";
export { type FitCall, FitLearner, type LearnTally } from "./learner.js";
export { type FitReport, type FitRunOptions, fitInputs, formatFitReport } from "./run.js";
