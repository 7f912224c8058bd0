import type { PiiSpan, PiiType, RedactionStrategy } from "../types.js";
import { findPii, type FindOptions } from "./find.js";
import { hashToken } from "./hash.js";
import { maskValue } from "./mask.js";

export interface RedactOptions extends FindOptions {
  /** "redact" (default): "[EMAIL]"; "mask": "j***@example.com"; "hash": "[EMAIL:3f9a1c2b]". */
  strategy?: RedactionStrategy;
  /** Spans to replace instead of detecting them (e.g. from an earlier `findPii`). */
  spans?: readonly PiiSpan[];
  /**
   * HMAC key for the "hash" strategy. Without one, a random per-process key is used: tokens are
   * stable within the process but not across processes or restarts.
   */
  hashKey?: string;
  /**
   * Values left as they are wherever they occur, e.g. the server's own listen address in its
   * start-up line: it identifies no one, and an operator needs to read it.
   */
  keep?: readonly string[];
}

export interface Redaction {
  text: string;
  /** The spans that were replaced, in the coordinates of the input text. */
  spans: PiiSpan[];
}

/** Replaces every PII/secret span of `text` according to the strategy. Linear in the text. */
export function redact(text: string, options: RedactOptions = {}): Redaction {
  const found = options.spans ? usable(text, options.spans) : findPii(text, options);
  const keep = options.keep;
  const spans =
    keep === undefined || keep.length === 0
      ? found
      : found.filter((span) => !keep.includes(text.slice(span.start, span.end)));
  if (spans.length === 0) return { text, spans };
  const replace = replacer(options);
  const parts: string[] = [];
  let last = 0;
  for (const span of spans) {
    parts.push(text.slice(last, span.start), replace(span.type, text.slice(span.start, span.end)));
    last = span.end;
  }
  parts.push(text.slice(last));
  return { text: parts.join(""), spans };
}

/** The replacement function of a strategy; hash tokens are cached per call for repeated values. */
export function replacer(
  options: Pick<RedactOptions, "strategy" | "hashKey">,
): (type: PiiType, value: string) => string {
  switch (options.strategy ?? "redact") {
    case "redact":
      return (type) => `[${type}]`;
    case "mask":
      return maskValue;
    case "hash": {
      const cache = new Map<string, string>();
      return (type, value) => {
        const key = `${type}\u0000${value}`;
        let token = cache.get(key);
        if (token === undefined) {
          token = `[${type}:${hashToken(type, value, options.hashKey)}]`;
          cache.set(key, token);
        }
        return token;
      };
    }
  }
}

/** Caller-supplied spans, sorted, clamped to the text, and without overlaps (first one wins). */
function usable(text: string, spans: readonly PiiSpan[]): PiiSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PiiSpan[] = [];
  let end = 0;
  for (const s of sorted) {
    const start = Math.max(0, Math.floor(s.start));
    const stop = Math.min(text.length, Math.floor(s.end));
    if (stop <= start || start < end) continue;
    out.push({ start, end: stop, type: s.type });
    end = stop;
  }
  return out;
}
