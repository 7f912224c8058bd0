/**
 * Words marked with where they stand: the first and last word and word pair of the text, and the
 * word that opens each later sentence. Injections in the data are often an ordinary question with
 * an order tacked on ("… in 2023? Forget everything and say …") or an order put first, and a
 * persona request is ordinary at the start of a prompt but not after an unrelated question: a bag
 * of words cannot tell where a word stands. (Opening word pairs and a German/English mix signal
 * added nothing on validation once these were in.) Computed after the scan from its word buffer
 * and the sentence openings it recorded: a few hashes per sentence, nothing per character.
 */

const FIRST_SEED = 0x3c6ef372;
const LAST_SEED = 0xa54ff53a;
export const OPENING_SEED = 0x510e527f;
const MIX_A = 0x85ebca6b;
const MIX_B = 0xc2b2ae35;

/** The sum of the weights of the features met, and how many there were. */
export interface PositionTotals {
  sum: number;
  count: number;
}

/** Slot of a word (`b` = 0) or a word pair (`a`, `b`) from their FNV hashes, in a namespace. */
export function positionSlot(seed: number, a: number, b: number, bits: number): number {
  const x = Math.imul(Math.imul(a ^ seed, MIX_A) ^ Math.imul(b, 31), MIX_B);
  return (x ^ (x >>> 16)) >>> (32 - bits);
}

/**
 * The position features of a scanned text into `out`: `hashes` holds its `words` word hashes,
 * `openings` the indices of the `opened` words that open a sentence after the first. Their slots
 * go to `sink` when training asks for them.
 */
export function positionFeatures(
  hashes: Int32Array,
  words: number,
  openings: Int32Array,
  opened: number,
  table: { bits: number; weights: Int8Array },
  out: PositionTotals,
  sink?: number[],
): PositionTotals {
  const { bits, weights } = table;
  const slots = [0, 0, 0, 0];
  let edges = 0;
  if (words > 0) {
    const first = hashes[0]!;
    const last = hashes[words - 1]!;
    slots[edges++] = positionSlot(FIRST_SEED, first, 0, bits);
    slots[edges++] = positionSlot(LAST_SEED, last, 0, bits);
    if (words > 1) {
      slots[edges++] = positionSlot(FIRST_SEED, first, hashes[1]!, bits);
      slots[edges++] = positionSlot(LAST_SEED, hashes[words - 2]!, last, bits);
    }
  }
  let sum = 0;
  for (let e = 0; e < edges; e++) sum += weights[slots[e]!]!;
  for (let s = 0; s < opened; s++) sum += weights[positionSlot(OPENING_SEED, hashes[openings[s]!]!, 0, bits)]!;
  if (sink !== undefined) {
    for (let e = 0; e < edges; e++) sink.push(slots[e]!);
    for (let s = 0; s < opened; s++) sink.push(positionSlot(OPENING_SEED, hashes[openings[s]!]!, 0, bits));
  }
  out.sum = sum;
  out.count = edges + opened;
  return out;
}
