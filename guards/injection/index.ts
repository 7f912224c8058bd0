/** The prompt-injection guard's public surface. */
export {
  committedModel,
  createInjectionDetector,
  DEFAULT_THRESHOLDS,
  detectInjection,
  InjectionOptionsSchema,
  injectionDetector,
  scanUntrusted,
  type InjectionOptions,
} from "./detect.js";
export { loadModel, type InjectionModel } from "./model.js";
