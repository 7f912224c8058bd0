/**
 * The local guard (rules, hidden-content scan and the small model) as the first check. Its rule
 * and hidden-content findings may refuse a user; a detection on the model's score alone flags.
 */
import { createInjectionDetector, injectionDetector, type InjectionOptions } from "../injection/index.js";
import { verdictResult } from "./detector.js";
import type { GuardCheck } from "./types.js";

export const LOCAL_CHECK = "local";

export function localGuardCheck(options?: InjectionOptions): GuardCheck {
  // The detector validates its options once; the shared default skips even that.
  const detector = options === undefined ? injectionDetector : createInjectionDetector(options);
  return {
    name: LOCAL_CHECK,
    // The text the layers normalized once, not normalized again: this runs on every message and tool result.
    check: ({ text, normalized, surface }) => verdictResult(LOCAL_CHECK, detector.detect(text, surface, normalized)),
  };
}
