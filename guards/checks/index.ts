/** Guard layers: the check interface, the combiner, the built-in checks. */
export { combineOutcomes, decideAction, runChecks } from "./combine.js";
export { defaultChecks, type DefaultChecksOptions } from "./defaults.js";
export {
  detectorCheck,
  hasConcreteEvidence,
  MODEL_REASON_PREFIX,
  REFUSE_EVIDENCE,
  strongEvidence,
  verdictResult,
} from "./detector.js";
export { LLM_CHECK, llmClassifierCheck } from "./llm-classifier.js";
export { LOCAL_CHECK, localGuardCheck } from "./local.js";
export type { CheckInput, CheckOutcome, CheckResult, GuardCheck } from "./types.js";
