/**
 * Removes characters a reader cannot see but a model still reads: zero-width and other invisible
 * format characters, bidi controls, Unicode tag characters and runs of variation selectors. What
 * they smuggle (tag-encoded ASCII, bytes hidden in variation selectors, text written backwards
 * under a right-to-left override) is decoded so the guard can scan it. Text without any is
 * returned as it is after one regex scan. Otherwise each run of suspect characters is decided
 * where a regex finds it and the text between is kept as slices; a text dense with runs (a flood)
 * is instead copied unit by unit into a reused buffer. No strings are built per character.
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
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uDB40]/;
/** Runs of anything but printable ASCII: a class this small scans many times faster. */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e]+/g;

/** Past one suspect run per this many characters, the text is copied unit by unit instead. */
const CHARS_PER_RUN = 32;

/**
 * Index of the next character that may start a suspect run, at or after `from`, or -1. Mostly
 * ASCII text is searched run by run (only non-ASCII runs are tested against the big class).
 */
function nextSuspect(text: string, from: number): number {
  NOT_PRINTABLE.lastIndex = from;
  for (let run = NOT_PRINTABLE.exec(text); run !== null; run = NOT_PRINTABLE.exec(text)) {
    const hit = SUSPECT_START.exec(run[0]);
    if (hit !== null) return run.index + hit.index;
  }
  return -1;
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

/** Code units that are, or may begin (0xDB40: tags and supplementary selectors), a suspect. */
const SUSPECT_UNIT = new Uint8Array(65_536);
for (let u = 0; u < 0xd800; u++) SUSPECT_UNIT[u] = isSuspect(u) ? 1 : 0;
for (let u = 0xe000; u < 65_536; u++) SUSPECT_UNIT[u] = isSuspect(u) ? 1 : 0;
SUSPECT_UNIT[0xdb40] = 1;

/** Scripts whose spelling uses ZWJ/ZWNJ between letters (Arabic, Syriac, Indic): kept there. */
function isJoiningScript(cp: number): boolean {
  return cp >= 0x600 && cp <= 0xdff;
}

// eslint-disable-next-line no-misleading-character-class -- an emoji, a skin tone or the emoji selector, one at a time
const PICTOGRAPH = /^[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F]$/u;
const pictographs = new Map<number, boolean>();

function isPictograph(cp: number): boolean {
  // Nothing below the copyright sign is pictographic: most neighbours are decided here.
  if (cp < 0xa9) return false;
  let known = pictographs.get(cp);
  if (known === undefined) {
    known = PICTOGRAPH.test(String.fromCodePoint(cp));
    pictographs.set(cp, known);
  }
  return known;
}

const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

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

/** The code point ending at `end` (exclusive), or -1 at the start. */
function codePointBefore(text: string, end: number): number {
  if (end <= 0) return -1;
  const low = text.charCodeAt(end - 1);
  if (low >= 0xdc00 && low <= 0xdfff && end >= 2) {
    const high = text.charCodeAt(end - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });

function decodeSelectorBytes(bytes: number[]): string | undefined {
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

let buf = new Uint16Array(4096);

/** What one pass gathers besides the kept text. */
interface Pass {
  /** Where a run writes the units it keeps, from `w`; `base` is the output offset of `out[0]`. */
  out: Uint16Array;
  w: number;
  base: number;
  counts: InvisibleScan["counts"];
  /** Decoded payloads, and [start, end) output ranges to reverse once the output is known. */
  payloads: (string | [number, number])[];
  tagCodes: number[];
  /** Output offset of the text written after a right-to-left override (-1: none open). */
  overrideStart: number;
}

export function stripInvisible(text: string): InvisibleScan {
  const counts = { zero_width: 0, bidi_control: 0, tag_characters: 0, variation_selectors: 0, control_characters: 0 };
  const first = nextSuspect(text, 0);
  if (first < 0) return { text, hidden: [], counts };

  const fresh = (): Pass => ({
    out: buf,
    w: 0,
    base: 0,
    counts: { ...counts },
    payloads: [],
    tagCodes: [],
    overrideStart: -1,
  });
  let pass = fresh();
  let kept = keepSparse(text, first, pass);
  if (kept === undefined) {
    pass = fresh();
    kept = keepDense(text, pass);
  }
  const end = kept.length;
  if (pass.overrideStart >= 0 && pass.payloads.length < MAX_PAYLOADS) pass.payloads.push([pass.overrideStart, end]);
  const hidden = pass.payloads.map((p) => (typeof p === "string" ? p : reversed(kept, p[0], p[1])));
  const tagText = String.fromCharCode(...pass.tagCodes.slice(0, MAX_DECODED));
  if (tagText.trim() !== "") hidden.unshift(tagText);
  return { text: kept, hidden: hidden.map((h) => h.slice(0, MAX_DECODED)), counts: pass.counts };
}

/**
 * The kept text as slices between the runs a regex finds, or undefined once runs are too dense
 * for that to pay (the caller starts over, unit by unit).
 */
function keepSparse(text: string, first: number, pass: Pass): string | undefined {
  let kept = "";
  let last = 0;
  let runs = 0;
  for (let next = first; next >= 0; next = nextSuspect(text, Math.max(next + 1, last))) {
    const end = runEnd(text, next);
    // A high surrogate that does not begin a tag or selector character is ordinary text.
    if (end === next) continue;
    // Denser than one run per `CHARS_PER_RUN` characters so far (past a few): a flood.
    if (++runs > 64 && runs * CHARS_PER_RUN > next) return undefined;
    kept += text.slice(last, next);
    if (buf.length < end - next) buf = new Uint16Array(Math.max(end - next, buf.length * 2));
    pass.out = buf;
    pass.w = 0;
    pass.base = kept.length;
    decideRun(text, next, end, pass);
    if (pass.w > 0) kept += utf16.decode(buf.subarray(0, pass.w));
    last = end;
  }
  return kept + text.slice(last);
}

/** The kept text, copied unit by unit into the reused buffer (for text dense with runs). */
function keepDense(text: string, pass: Pass): string {
  if (buf.length < text.length) buf = new Uint16Array(Math.max(text.length, buf.length * 2));
  const out = buf;
  pass.out = out;
  const n = text.length;
  let w = 0;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    const end = SUSPECT_UNIT[c] === 0 ? i : runEnd(text, i);
    if (end === i) {
      out[w++] = c;
      i++;
      continue;
    }
    pass.w = w;
    decideRun(text, i, end, pass);
    w = pass.w;
    i = end;
  }
  return utf16.decode(out.subarray(0, w));
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

/** Decides each character of the suspect run `text[start, end)`: kept, dropped, decoded. */
function decideRun(text: string, start: number, end: number, pass: Pass): void {
  const { counts, payloads } = pass;
  let selectors = 0;
  for (let i = start; i < end; i++) if (isVariationSelector(text.codePointAt(i)!)) selectors++;
  const selectorBytes: number[] = [];
  const tagCodes: number[] = [];
  let tags = 0;
  let lastCp = 0;
  for (let i = start; i < end;) {
    const cp = text.codePointAt(i)!;
    const here = i;
    i += cp > 0xffff ? 2 : 1;
    lastCp = cp;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      tags++;
      if (cp >= 0xe0020 && cp <= 0xe007e) tagCodes.push(cp - 0xe0000);
    } else if (isVariationSelector(cp)) {
      // One selector after an emoji or ideograph is ordinary; a run of them carries data.
      if (selectors === 1) write(pass, cp);
      else {
        counts.variation_selectors++;
        const byte = selectorByte(cp);
        if (byte !== undefined && selectorBytes.length < MAX_DECODED) selectorBytes.push(byte);
      }
    } else if (cp === 0x200c || cp === 0x200d) {
      const before = codePointBefore(text, here);
      const after = text.codePointAt(i) ?? -1;
      const keepForScript = isJoiningScript(before) && isJoiningScript(after);
      const keepForEmoji = cp === 0x200d && isPictograph(before) && isPictograph(after);
      if (keepForScript || keepForEmoji) write(pass, cp);
      else counts.zero_width++;
    } else if (cp === 0x2028 || cp === 0x2029) {
      write(pass, 10);
    } else if (isBidi(cp)) {
      counts.bidi_control++;
      const at = pass.base + pass.w;
      if (cp === 0x202e) pass.overrideStart = at;
      else if (cp === 0x202c && pass.overrideStart >= 0) {
        if (payloads.length < MAX_PAYLOADS) payloads.push([pass.overrideStart, at]);
        pass.overrideStart = -1;
      }
    } else if (isControl(cp)) {
      counts.control_characters++;
    } else {
      counts.zero_width++;
    }
  }
  // A black flag followed by a short tag sequence is a regional flag emoji, not smuggling.
  const isFlag = tags > 0 && tags <= 7 && codePointBefore(text, start) === BLACK_FLAG && lastCp === CANCEL_TAG;
  if (!isFlag) {
    counts.tag_characters += tags;
    for (const code of tagCodes) if (pass.tagCodes.length < MAX_DECODED) pass.tagCodes.push(code);
  }
  if (selectorBytes.length > 0 && payloads.length < MAX_PAYLOADS) {
    const decoded = decodeSelectorBytes(selectorBytes);
    if (decoded !== undefined && decoded.trim() !== "") payloads.push(decoded);
  }
}

function write(pass: Pass, cp: number): void {
  if (cp > 0xffff) {
    pass.out[pass.w++] = 0xd800 + ((cp - 0x10000) >> 10);
    pass.out[pass.w++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
  } else pass.out[pass.w++] = cp;
}

/** `text[start, end)` (its first `MAX_DECODED` units) with its code points in reverse order. */
function reversed(text: string, start: number, end: number): string {
  return Array.from(text.slice(start, Math.min(end, start + MAX_DECODED)))
    .reverse()
    .join("");
}

/** The characters `isSuspect` accepts, as one global class (for replacing, not scanning). */
const SUSPECT_CODE_POINT =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- these are what it escapes
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

/**
 * Every character `stripInvisible` would act on (zero-width, bidi controls, tags, selectors,
 * controls) written as a visible `\u{...}` escape, for text a human must judge as it really is.
 */
export function escapeInvisible(text: string): string {
  return text.replace(SUSPECT_CODE_POINT, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`);
}
