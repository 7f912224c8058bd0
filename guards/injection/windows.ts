/**
 * Content an agent reads (tool output, pages, mail, code answers) is long, and a planted
 * instruction is a sentence or two of it. Scored as a whole, the instruction's features are
 * diluted by everything around it (each namespace is scaled by 1/sqrt(count)), so on the untrusted
 * surface the model also scores overlapping runs of `WINDOW_WORDS` words and the text is as
 * suspicious as its most suspicious run. The runs come from the running sums the scan keeps at each
 * word end (no second pass over the text); they differ from a scan of the run's own text only at
 * its two cuts (the word pair and the 4-grams that straddle them).
 */
import { positionFeatures, type PositionTotals } from "./positions.js";
import type { Scan } from "./scan.js";
import { words } from "./scan.js";

/** Words per run, and the step between runs (half a run: every sentence lies whole in one). */
export const WINDOW_WORDS = 48;
export const WINDOW_STRIDE = 24;

const totals: PositionTotals = { sum: 0, count: 0 };
let openingsBuffer = new Int32Array(256);

/**
 * The model term (quantized units, before bias and scale) of the most suspicious run of the last
 * scan; undefined when the text has no more than `WINDOW_WORDS` words (the whole text is the run).
 */
export function maxWindowDot(scan: Scan, table: { bits: number; weights: Int8Array }): number | undefined {
  const count = scan.count;
  if (count <= WINDOW_WORDS) return undefined;
  let best = -Infinity;
  let opening = 0;
  for (let a = 0; ; a += WINDOW_STRIDE) {
    if (a + WINDOW_WORDS > count) a = count - WINDOW_WORDS;
    const b = a + WINDOW_WORDS;
    // The first sentence opening after `a` (the last run may start before the previous one ended).
    while (opening > 0 && words.openings[opening - 1]! > a) opening--;
    while (opening < scan.openings && words.openings[opening]! <= a) opening++;
    best = Math.max(best, runDot(a, b, scan, table, opening));
    if (b === count) break;
  }
  return best;
}

/** Model term of words [a, b); `opening` indexes the first sentence opening that may lie inside. */
function runDot(
  a: number,
  b: number,
  scan: Scan,
  table: { bits: number; weights: Int8Array },
  opening: number,
): number {
  const wordSum = words.wordSums[b - 1]! - (a > 0 ? words.wordSums[a - 1]! : 0);
  // Each word brings itself and its pair with the word before, which for the first word of a
  // later run lies across the cut but is in the sum.
  const wordCount = 2 * (b - a) - (a === 0 ? 1 : 0);
  const charSum = words.charSums[b - 1]! - (a > 0 ? words.charSums[a - 1]! : 0);
  const charCount = Math.max(1, words.ends[b - 1]! - (a > 0 ? words.ends[a - 1]! : 1));
  let opened = 0;
  if (openingsBuffer.length < b - a) openingsBuffer = new Int32Array(b - a);
  for (let s = opening; s < scan.openings; s++) {
    const at = words.openings[s]!;
    if (at >= b) break;
    openingsBuffer[opened++] = at - a;
  }
  const placed = positionFeatures(words.hashes.subarray(a, b), b - a, openingsBuffer, opened, table, totals);
  const positions = placed.count > 0 ? placed.sum / Math.sqrt(placed.count) : 0;
  return wordSum / Math.sqrt(wordCount) + charSum / Math.sqrt(charCount) + positions;
}
