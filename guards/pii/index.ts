// PII and secret redaction guard: detection, redaction strategies, and deep redaction of
// structured payloads (log lines, trace payloads). Pure, model-free and linear in input size.
export { findPii, type FindOptions } from "./find.js";
export { redact, type RedactOptions, type Redaction } from "./redact.js";
export { redactDeep, type RedactDeepOptions } from "./deep.js";
export { maskValue } from "./mask.js";
