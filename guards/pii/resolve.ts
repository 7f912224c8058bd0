import type { PiiSpan } from "../types.js";
import type { Candidate } from "./candidate.js";

/** Types that a failed-checksum look-alike suppresses (they would re-read its digit groups). */
const BLOCKABLE = new Set(["PHONE", "US_SSN"]);

/**
 * Settles overlaps: candidates are taken by priority, then length (longer first), then position,
 * and each is kept only if none of its characters is already claimed. Blockers are never kept;
 * they remove the blockable candidates they touch. Marking characters makes this linear in the
 * total length of the candidates (one detector's candidates never overlap one another).
 */
export function resolve(text: string, candidates: Candidate[]): PiiSpan[] {
  let live = candidates.filter((c) => !c.blocker && c.end > c.start);
  const blockers = candidates.filter((c) => c.blocker);
  if (blockers.length > 0) {
    const blocked = new Uint8Array(text.length);
    for (const b of blockers) blocked.fill(1, b.start, b.end);
    live = live.filter((c) => !BLOCKABLE.has(c.type) || !anyMarked(blocked, c.start, c.end));
  }
  if (live.length <= 1) return live.map(strip);

  live.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const claimed = new Uint8Array(text.length);
  const kept: PiiSpan[] = [];
  for (const c of live) {
    if (anyMarked(claimed, c.start, c.end)) continue;
    claimed.fill(1, c.start, c.end);
    kept.push(strip(c));
  }
  return kept.sort((a, b) => a.start - b.start);
}

const strip = ({ start, end, type }: Candidate): PiiSpan => ({ start, end, type });

function anyMarked(marks: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (marks[i]) return true;
  return false;
}
