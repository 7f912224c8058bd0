import type { PiiSpan } from "../types.js";
import type { Candidate } from "./candidate.js";

/** Types that a failed-checksum look-alike suppresses (they would re-read its digit groups). */
const BLOCKABLE = new Set(["PHONE", "US_SSN"]);
const BLOCKED = 1;
const CLAIMED = 2;

/**
 * Settles overlaps: candidates are taken by priority, then length (longer first), then position,
 * and each is kept only if none of its characters is already claimed. Blockers are never kept;
 * they remove the blockable candidates they touch. Marking characters (one byte per character,
 * shared by both marks) makes this linear in the total length of the candidates, since one
 * detector's candidates never overlap one another.
 */
export function resolve(text: string, candidates: Candidate[]): PiiSpan[] {
  let live = candidates.filter((c) => !c.blocker && c.end > c.start);
  if (live.length === 0) return [];
  const blockers = candidates.filter((c) => c.blocker);
  if (live.length === 1 && blockers.length === 0) return live.map(strip);

  const marks = new Uint8Array(text.length);
  if (blockers.length > 0) {
    for (const b of blockers) marks.fill(BLOCKED, b.start, b.end);
    live = live.filter((c) => !BLOCKABLE.has(c.type) || !anyMarked(marks, c.start, c.end, BLOCKED));
  }
  live.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: PiiSpan[] = [];
  for (const c of live) {
    if (anyMarked(marks, c.start, c.end, CLAIMED)) continue;
    for (let i = c.start; i < c.end; i++) marks[i] = (marks[i] ?? 0) | CLAIMED;
    kept.push(strip(c));
  }
  return kept.sort((a, b) => a.start - b.start);
}

const strip = ({ start, end, type }: Candidate): PiiSpan => ({ start, end, type });

function anyMarked(marks: Uint8Array, start: number, end: number, mark: number): boolean {
  for (let i = start; i < end; i++) if (((marks[i] ?? 0) & mark) !== 0) return true;
  return false;
}
