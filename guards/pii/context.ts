// Words just before a number that say what the number is.

// Street-address words: "Apt. 722 20 40", "Suite 680 36 4022" are unit and street numbers.
const ADDRESS_WORD = /\b(?:apt|apartment|suite|ste|unit|room|rm|bldg|building|floor|fl|box|no|nr)\.?\s*#?\s*$/i;

/** True when the number starting at `start` follows an address word on the same line. */
export function afterAddressWord(text: string, start: number): boolean {
  return ADDRESS_WORD.test(text.slice(Math.max(0, start - 14), start));
}
