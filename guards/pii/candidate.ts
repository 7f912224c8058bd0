import type { PiiSpan } from "../types.js";
import type { TextIndex } from "./text-index.js";

/**
 * A detector's proposal. Overlaps between detectors are settled later by `priority` (see
 * `resolve.ts`); a `blocker` is a look-alike that failed its checksum (an IBAN-shaped token with bad
 * check digits, a card-shaped number failing Luhn): it is never reported, but it stops weaker
 * detectors (phone, SSN) from reporting pieces of it.
 */
export interface Candidate extends PiiSpan {
  priority: number;
  blocker?: boolean;
}

export type Emit = (candidate: Candidate) => void;

/** A detector: one bounded pass over `text`, proposing candidates through `emit`. */
export type Detector = (text: string, emit: Emit, index: TextIndex) => void;

/** Priorities, highest wins an overlap. Checksummed types first: their digits are not guesses. */
export const PRIORITY = {
  checksummed: 90,
  secretFormat: 80,
  email: 70,
  ip: 60,
  ssn: 50,
  secretAssignment: 40,
  phone: 30,
} as const;
