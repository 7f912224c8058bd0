/**
 * Splits untrusted content into short units (lines, then sentences of long lines) so a request
 * planted in one line of a long document is judged on its own rather than averaged away by the
 * surrounding data.
 */

/** Units shorter than this carry too few words to judge. */
const MIN_CHARS = 12;
/** Long lines are cut at sentence ends into pieces of about this size. */
const TARGET_CHARS = 240;
/** Hard cap on units per text; a pathological input still costs linear time. */
export const MAX_SEGMENTS = 2_000;

const SENTENCE_END = /[.!?。！？]["')\]]?\s/g;

export function segmentText(clean: string, maxSegments = MAX_SEGMENTS): string[] {
  const out: string[] = [];
  for (const line of clean.split("\n")) {
    if (out.length >= maxSegments) break;
    const trimmed = line.trim();
    if (trimmed.length < MIN_CHARS) continue;
    if (trimmed.length <= TARGET_CHARS) {
      out.push(trimmed);
      continue;
    }
    let start = 0;
    SENTENCE_END.lastIndex = 0;
    for (let m = SENTENCE_END.exec(trimmed); m !== null; m = SENTENCE_END.exec(trimmed)) {
      const end = m.index + m[0].length;
      if (end - start < TARGET_CHARS / 2) continue;
      pushPiece(out, trimmed.slice(start, end));
      start = end;
      if (out.length >= maxSegments) return out;
    }
    pushPiece(out, trimmed.slice(start));
  }
  return out.slice(0, maxSegments);
}

/** Sentence-less stretches (minified code, tables on one line) are cut into fixed pieces. */
function pushPiece(out: string[], piece: string): void {
  for (let i = 0; i < piece.length; i += TARGET_CHARS * 2) {
    const part = piece.slice(i, i + TARGET_CHARS * 2).trim();
    if (part.length >= MIN_CHARS) out.push(part);
  }
}
