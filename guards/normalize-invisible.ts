/**
 * Removes characters a reader cannot see but a model still reads: zero-width and other invisible
 * format characters, bidi controls, Unicode tag characters and runs of variation selectors. What
 * they smuggle (tag-encoded ASCII, bytes hidden in variation selectors, text written backwards
 * under a right-to-left override) is decoded so the guard can scan it.
 */

export interface InvisibleScan {
  text: string;
  hidden: string[];
  counts: {
    zero_width: number;
    bidi_control: number;
    tag_characters: number;
    variation_selectors: number;
    control_characters: number;
  };
}

/**
 * Where a suspect character may start: one class (tag characters and supplementary variation
 * selectors by their high surrogate). No `u` flag: non-Unicode classes scan faster.
 */
const SUSPECT_START =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- control, joiner and selector characters are what this finds
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uDB40]/g;
/** Runs of anything but printable ASCII: a class this small scans many times faster. */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e]+/g;
/** Past one such run per this many characters the text is mostly non-ASCII: scan it directly. */
const CHARS_PER_RUN = 32;

/**
 * Index of the next character that may start a suspect run, at or after `from`, or -1. Mostly
 * ASCII text is searched run by run (only non-ASCII runs are tested against the big class).
 */
function makeSuspectFinder(text: string): (from: number) => number {
  let runsChecked = 0;
  const maxRuns = Math.max(256, text.length / CHARS_PER_RUN);
  return (from) => {
    NOT_PRINTABLE.lastIndex = from;
    while (runsChecked < maxRuns) {
      const run = NOT_PRINTABLE.exec(text);
      if (run === null) return -1;
      runsChecked++;
      SUSPECT_START.lastIndex = 0;
      const hit = SUSPECT_START.exec(run[0]);
      if (hit !== null) return run.index + hit.index;
    }
    SUSPECT_START.lastIndex = Math.max(from, NOT_PRINTABLE.lastIndex);
    return SUSPECT_START.exec(text)?.index ?? -1;
  };
}

function isSuspect(cp: number): boolean {
  return (
    (cp <= 0x1f && cp !== 9 && cp !== 10 && cp !== 13) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/** End (exclusive) of the run of suspect code points starting at `start` (may be empty). */
function runEnd(text: string, start: number): number {
  let i = start;
  for (;;) {
    const cp = text.codePointAt(i);
    if (cp === undefined || !isSuspect(cp)) return i;
    i += cp > 0xffff ? 2 : 1;
  }
}

/** Scripts whose spelling uses ZWJ/ZWNJ between letters (Arabic, Syriac, Indic): kept there. */
const JOINING_SCRIPT = /^[\u0600-\u08FF\u0900-\u0DFF]$/u;
// eslint-disable-next-line no-misleading-character-class -- an emoji, a skin tone or the emoji selector, one at a time
const PICTOGRAPH = /^[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F]$/u;
const BLACK_FLAG = 0x1f3f4;

/** Longest decoded payload kept per kind; the rest is counted but not produced. */
const MAX_DECODED = 16_384;
/** Most payloads kept (reversed segments, selector runs); more are counted but not produced. */
const MAX_PAYLOADS = 32;

function isBidi(cp: number): boolean {
  return (
    cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)
  );
}

function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x180b && cp <= 0x180f);
}

function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

/** Byte value a variation selector stands for in the "emoji smuggling" encoding. */
function selectorByte(cp: number): number | undefined {
  if (cp >= 0xfe00 && cp <= 0xfe0f) return cp - 0xfe00;
  if (cp >= 0xe0100 && cp <= 0xe01ef) return cp - 0xe0100 + 16;
  return undefined;
}

function lastCodePoint(text: string, end: number): string {
  if (end <= 0) return "";
  const low = text.charCodeAt(end - 1);
  if (low >= 0xdc00 && low <= 0xdfff && end >= 2) return text.slice(end - 2, end);
  return text.slice(end - 1, end);
}

function firstCodePoint(text: string, start: number): string {
  const cp = text.codePointAt(start);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeSelectorBytes(bytes: number[]): string | undefined {
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

export function stripInvisible(text: string): InvisibleScan {
  const counts = { zero_width: 0, bidi_control: 0, tag_characters: 0, variation_selectors: 0, control_characters: 0 };
  const nextSuspect = makeSuspectFinder(text);
  let next = nextSuspect(0);
  if (next < 0) return { text, hidden: [], counts };

  const hidden: string[] = [];
  let tagText = "";
  // Start of the text written after a right-to-left override, in the output being built.
  let overrideStart = -1;
  let out = "";
  let last = 0;

  for (; next >= 0; next = nextSuspect(Math.max(next + 1, last))) {
    const start = next;
    const end = runEnd(text, start);
    // A high surrogate that does not begin a tag or selector character is ordinary text.
    if (end === start) continue;
    const run = text.slice(start, end);
    out += text.slice(last, start);
    last = end;

    let selectorCount = 0;
    for (const ch of run) if (isVariationSelector(ch.codePointAt(0) ?? 0)) selectorCount++;
    const selectorBytes: number[] = [];
    let tagRun = "";
    let tagCount = 0;
    let at = start;
    for (const ch of run) {
      const cp = ch.codePointAt(0) ?? 0;
      const here = at;
      at += ch.length;
      if (cp >= 0xe0000 && cp <= 0xe007f) {
        tagCount++;
        if (cp >= 0xe0020 && cp <= 0xe007e) tagRun += String.fromCharCode(cp - 0xe0000);
      } else if (isVariationSelector(cp)) {
        // One selector after an emoji or ideograph is ordinary; a run of them carries data.
        if (selectorCount === 1) out += ch;
        else {
          counts.variation_selectors++;
          const byte = selectorByte(cp);
          if (byte !== undefined && selectorBytes.length < MAX_DECODED) selectorBytes.push(byte);
        }
      } else if (cp === 0x200c || cp === 0x200d) {
        const prev = lastCodePoint(text, here);
        const following = firstCodePoint(text, at);
        const keepForScript = JOINING_SCRIPT.test(prev) && JOINING_SCRIPT.test(following);
        const keepForEmoji = cp === 0x200d && PICTOGRAPH.test(prev) && PICTOGRAPH.test(following);
        if (keepForScript || keepForEmoji) out += ch;
        else counts.zero_width++;
      } else if (cp === 0x2028 || cp === 0x2029) {
        out += "\n";
      } else if (isBidi(cp)) {
        counts.bidi_control++;
        if (cp === 0x202e) overrideStart = out.length;
        else if (cp === 0x202c && overrideStart >= 0) {
          if (hidden.length < MAX_PAYLOADS) hidden.push(reverse(out.slice(overrideStart)));
          overrideStart = -1;
        }
      } else if (isControl(cp)) {
        counts.control_characters++;
      } else {
        counts.zero_width++;
      }
    }

    // A black flag followed by a short tag sequence is a regional flag emoji, not smuggling.
    const isFlag =
      tagCount > 0 && tagCount <= 7 && text.codePointAt(start - 2) === BLACK_FLAG && run.endsWith("\u{E007F}");
    if (!isFlag) {
      counts.tag_characters += tagCount;
      if (tagText.length < MAX_DECODED) tagText += tagRun;
    }
    if (selectorBytes.length > 0 && hidden.length < MAX_PAYLOADS) {
      const decoded = decodeSelectorBytes(selectorBytes);
      if (decoded !== undefined && decoded.trim() !== "") hidden.push(decoded);
    }
  }
  out += text.slice(last);
  if (overrideStart >= 0 && hidden.length < MAX_PAYLOADS) hidden.push(reverse(out.slice(overrideStart)));

  if (tagText.trim() !== "") hidden.unshift(tagText.slice(0, MAX_DECODED));
  return { text: out, hidden: hidden.map((h) => h.slice(0, MAX_DECODED)), counts };
}

function reverse(text: string): string {
  return Array.from(text.slice(0, MAX_DECODED)).reverse().join("");
}
