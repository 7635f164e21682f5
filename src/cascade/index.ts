/** The cascade stage: a pure plan of windows in virtual time and a pure modifier of call outcomes. */
export {
  applyEffects,
  type CascadeCall,
  type Effected,
  globToRegExp,
  inScope,
  type Outcome,
  severityAt,
  type Touch,
  touchedBy,
} from "./modifier.js";
export {
  type CascadeEffects,
  type CascadeScope,
  type CascadeWindow,
  cascadeKey,
  nextWindowAfter,
  type PlanAnchor,
  type PlanRange,
  planWindows,
  triggeredWindow,
  windowsFrom,
} from "./plan.js";
export {
  hopsOf,
  type Propagation,
  propagationProblems,
  type ServiceMap,
  type ServiceNode,
  serviceMapOf,
  servicesMatched,
} from "./propagate.js";
