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
 * detector's candidates never overlap one another. Candidates that overlap nothing (most of them)
 * are kept as they are; only clusters of overlapping ones are sorted by priority, which gives the
 * same result as one global pass (clusters share no character) without sorting tens of thousands
 * of candidates by a three-key comparison.
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
  // Each detector emits in text order: a stable sort by start merges those runs cheaply.
  live.sort((a, b) => a.start - b.start);
  const kept: PiiSpan[] = [];
  for (let i = 0; i < live.length;) {
    let j = i + 1;
    let end = live[i]!.end;
    while (j < live.length && live[j]!.start < end) end = Math.max(end, live[j++]!.end);
    if (j === i + 1) kept.push(strip(live[i]!));
    else kept.push(...settleCluster(live.slice(i, j), marks));
    i = j;
  }
  return kept;
}

/** Overlapping candidates, by priority then length then position; the kept ones in text order. */
function settleCluster(cluster: Candidate[], marks: Uint8Array): PiiSpan[] {
  cluster.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: PiiSpan[] = [];
  for (const c of cluster) {
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
