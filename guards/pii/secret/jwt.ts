import { PRIORITY, type Emit } from "../candidate.js";
import { at } from "../chars.js";
import { alphabet, tokenMayStart } from "./alphabet.js";
import { looksIllustrative, sampleOf } from "./value.js";

const isB64Url = alphabet("A-Za-z0-9_-");
const MAX_SEGMENT = 8192;

/**
 * JSON Web Tokens: three base64url segments where header and payload both decode to JSON objects,
 * so both start "eyJ" (base64 of '{"'). The signature may be empty (unsigned tokens).
 */
export function detectJwts(text: string, emit: Emit): void {
  let i = text.indexOf("eyJ");
  while (i !== -1) {
    const end = tokenMayStart(text, i) ? jwtEnd(text, i) : undefined;
    if (end !== undefined) emit({ start: i, end, type: "SECRET", priority: PRIORITY.secretFormat });
    i = text.indexOf("eyJ", end ?? i + 3);
  }
}

function jwtEnd(text: string, start: number): number | undefined {
  const headerEnd = segmentEnd(text, start);
  if (headerEnd === undefined || headerEnd - start < 10 || at(text, headerEnd) !== 46) return undefined;
  const payload = headerEnd + 1;
  if (!text.startsWith("eyJ", payload)) return undefined;
  const payloadEnd = segmentEnd(text, payload);
  if (payloadEnd === undefined || payloadEnd - payload < 10 || at(text, payloadEnd) !== 46) return undefined;
  const sigEnd = segmentEnd(text, payloadEnd + 1);
  if (sigEnd === undefined || looksIllustrative(sampleOf(text.slice(payloadEnd + 1, sigEnd)))) return undefined;
  return sigEnd;
}

function segmentEnd(text: string, from: number): number | undefined {
  let j = from;
  while (j < text.length && j - from <= MAX_SEGMENT && isB64Url(text.charCodeAt(j))) j++;
  return j - from > MAX_SEGMENT ? undefined : j;
}
