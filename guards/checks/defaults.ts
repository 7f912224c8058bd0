/** The default layers, in order: the local guard, then (when configured) the LLM classifier. */
import type { InjectionOptions } from "../injection/index.js";
import type { InjectionDetector } from "../types.js";
import { llmClassifierCheck } from "./llm-classifier.js";
import { localGuardCheck } from "./local.js";
import type { GuardCheck } from "./types.js";

export interface DefaultChecksOptions {
  /** Thresholds or model for the local guard; default: the committed ones. */
  injection?: InjectionOptions;
  /** A second opinion (e.g. `createLlmClassifier(...)`), consulted only for text found clean. */
  classifier?: InjectionDetector;
}

export function defaultChecks(options: DefaultChecksOptions = {}): GuardCheck[] {
  return [localGuardCheck(options.injection), ...(options.classifier ? [llmClassifierCheck(options.classifier)] : [])];
}
