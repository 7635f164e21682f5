// The analysis stage's public face: estimation and goodness of fit of recorded events against a workflow.
export {
  type ChiSquareResult,
  distributionChiSquare,
  MIN_EXPECTED,
  pooledChiSquare,
  rowChiSquare,
} from "./chisquare.js";
export { compareTransitions, type TransitionStat, transitionStats } from "./estimate.js";
export { chiSquareSf, logGamma, regularizedGammaP, regularizedGammaQ } from "./gamma.js";
export { eventSource } from "./input.js";
// kafka-input.ts is imported by its path, so that reading files never loads kafkajs.
export { type BadRecord, type LiveOptions, LiveVerifier } from "./live.js";
export {
  type Chain,
  type CountRows,
  expectedChain,
  normalizeRow,
  START,
  withoutEnds,
  workflowEndpoints,
} from "./model.js";
export { formatReport, roundSignificant } from "./report.js";
export { type ScoreReport, type ScoreWindow, scoreAlerts } from "./score.js";
export { type FalseAlarms, falseAlarms, type Span } from "./score-alarms.js";
export { type CallScore, type EventScore, eventScore, scoreCalls } from "./score-event.js";
export {
  type Recording,
  readAlerts,
  readFlags,
  readRecording,
  readWindows,
  type ScoredCall,
} from "./score-input.js";
export { NAB_STANDARD, type NabScore, nabScore, scaledSigmoid } from "./score-nab.js";
export { SCORE_JSON_FIELDS, type ScoreResult, scoreJson, scoreText } from "./score-output.js";
export { type PrometheusAlertQuery, prometheusAlerts, prometheusBase } from "./score-prometheus.js";
export {
  DEFAULT_RANGE_OPTIONS,
  type Range,
  type RangeBias,
  type RangeCardinality,
  type RangeOptions,
  type RangeScore,
  rangeScore,
  rangesOf,
} from "./score-range.js";
export { type Observations, type PathEvent, SessionCounter, type Tally } from "./sessions.js";
export {
  DEFAULT_ALPHA,
  type EventSource,
  type UserTypeReport,
  type VerifyOptions,
  type VerifyReport,
  verifyEvents,
  verifyObservations,
} from "./verify.js";
