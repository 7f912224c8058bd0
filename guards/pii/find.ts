import { PII_TYPES, type PiiSpan, type PiiType } from "../types.js";
import { detectCards } from "./card.js";
import type { Candidate, Detector, Emit } from "./candidate.js";
import { detectEmails } from "./email.js";
import { detectIbans } from "./iban.js";
import { detectIps } from "./ip.js";
import { detectPhones } from "./phone.js";
import { resolve } from "./resolve.js";
import { detectSecrets } from "./secret/index.js";
import { detectSsns } from "./ssn.js";
import { TextIndex } from "./text-index.js";

export interface FindOptions {
  /** Only report these types (default: all). */
  types?: readonly PiiType[];
}

const DETECTORS: Record<PiiType, Detector> = {
  EMAIL: detectEmails,
  PHONE: detectPhones,
  CREDIT_CARD: detectCards,
  IBAN: detectIbans,
  US_SSN: detectSsns,
  IP_ADDRESS: detectIps,
  SECRET: detectSecrets,
};

/**
 * Finds PII and secrets in `text`: spans sorted by start and never overlapping. Where detections
 * overlap, the higher-priority type wins (checksummed card/IBAN, then published secret formats,
 * e-mail, IP, SSN, secret-named fields, phone), then the longer span (see resolve.ts).
 * Every detector is a bounded single pass, so time is linear in the length of the text.
 */
export function findPii(text: string, options: FindOptions = {}): PiiSpan[] {
  const wanted = new Set<PiiType>(options.types ?? PII_TYPES);
  const run = new Set(wanted);
  // Phone and SSN candidates are settled against cards and IBANs (valid or look-alike), so those
  // detectors run whenever phone or SSN is wanted, even if their own type is not reported.
  if (wanted.has("PHONE") || wanted.has("US_SSN")) {
    run.add("CREDIT_CARD");
    run.add("IBAN");
  }
  const candidates: Candidate[] = [];
  const emit: Emit = (c) => candidates.push(c);
  const index = new TextIndex(text);
  for (const type of PII_TYPES) if (run.has(type)) DETECTORS[type](text, emit, index);
  const spans = resolve(text, candidates);
  return run.size === wanted.size ? spans : spans.filter((s) => wanted.has(s.type));
}
