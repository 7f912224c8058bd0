import { PRIORITY, type Emit } from "../candidate.js";
import type { TextIndex } from "../text-index.js";
import { alphabet, alphabetTable, glues, tokenMayStart } from "./alphabet.js";
import { sextet } from "./base64.js";
import { looksIllustrative } from "./value.js";

const base64Glue = alphabet("A-Za-z0-9+");

/**
 * Published formats without a literal prefix, recognised by their shape:
 * - Atlassian Data Center personal access tokens (Jira, Confluence, Bitbucket): 44 base64
 *   characters encoding "<12-digit id>:<20 random bytes>", so their first 16 characters decode to
 *   digits and the 17th encodes the colon. Tried at the start of each base64 stretch of the index
 *   and after each "/" in it (a token is often a URL path segment).
 * - Mailgun API keys "<32 hex>-<8 hex>-<8 hex>", tried at each hyphen of the long token runs.
 * Both searches move forward only, so the pass is linear.
 */
export function detectShapedTokens(text: string, emit: Emit, index: TextIndex): void {
  const { data: stretches, length: stretchCount } = index.base64Stretches();
  let slash = text.indexOf("/"); // a forward-only cursor over the slashes of the text
  for (let k = 0; k < stretchCount; k += 2) {
    const s = stretches[k] ?? 0;
    const e = stretches[k + 1] ?? 0;
    atlassianAt(text, s, e, emit);
    if (slash !== -1 && slash < s) slash = text.indexOf("/", s);
    for (; slash !== -1 && slash < e; slash = text.indexOf("/", slash + 1)) atlassianAt(text, slash + 1, e, emit);
  }
  // Mailgun keys, anchored on their first hyphen (found with a forward-only cursor). A hyphen at d
  // lies in the 32-digit head of any key whose first hyphen is d + 1 … d + 32, so after each
  // hyphen the next candidate is 33 further on: text full of hyphens is read in long strides.
  const { data: runs, length: count } = index.tokenRuns();
  let dash = text.indexOf("-");
  for (let r = 0; r < count && dash !== -1; r += 2) {
    const runStart = runs[r] ?? 0;
    const runEnd = runs[r + 1] ?? 0;
    if (runEnd - runStart < MAILGUN_LENGTH) continue;
    if (dash < runStart) dash = text.indexOf("-", runStart);
    while (dash !== -1 && dash < runEnd) {
      const s = dash - 32;
      if (s >= runStart && isMailgunKey(text, s)) {
        emit({ start: s, end: s + MAILGUN_LENGTH, type: "SECRET", priority: PRIORITY.secretFormat });
        dash = text.indexOf("-", s + MAILGUN_LENGTH);
      } else {
        dash = text.indexOf("-", dash + 33);
      }
    }
  }
}

const MAILGUN_LENGTH = 32 + 1 + 8 + 1 + 8;
const HEX_AND_HYPHEN = alphabetTable("0-9a-f-");

/** Whether the 50 characters at `s` are "<32 hex>-<8 hex>-<8 hex>", random-looking, standing alone. */
function isMailgunKey(text: string, s: number): boolean {
  if (text.charCodeAt(s + 32) !== 45 || text.charCodeAt(s + 41) !== 45 || !tokenMayStart(text, s)) return false;
  if (glues(text.charCodeAt(s + MAILGUN_LENGTH))) return false;
  for (let i = s; i < s + MAILGUN_LENGTH; i++) {
    const c = text.charCodeAt(i);
    if (!(c < 128 && HEX_AND_HYPHEN[c] === 1) || (c === 45 && i !== s + 32 && i !== s + 41)) return false;
  }
  const head = text.slice(s, s + 32);
  return /[a-f]/.test(head) && /[0-9]/.test(head) && !looksIllustrative(head);
}

const ATLASSIAN_LENGTH = 44;

/**
 * A token at `s` (a stretch start or right after a "/": a path segment) inside a base64 stretch
 * ending at `end`. Every encoded digit triple starts with M, N or O; the token ends at a
 * delimiter or a "/".
 */
function atlassianAt(text: string, s: number, end: number, emit: Emit): void {
  const c = text.charCodeAt(s);
  const tokenEnd = s + ATLASSIAN_LENGTH;
  if (c < 77 || c > 79 || tokenEnd > end || base64Glue(text.charCodeAt(tokenEnd))) return;
  if (decodesToIdAndColon(text, s)) emit({ start: s, end: tokenEnd, type: "SECRET", priority: PRIORITY.secretFormat });
}

/** Whether the 16 characters at `s` decode to 12 ASCII digits and the next byte is ":". */
function decodesToIdAndColon(text: string, s: number): boolean {
  for (let q = 0; q < 4; q++) {
    let bits = 0;
    for (let k = 0; k < 4; k++) bits = (bits << 6) | Math.max(0, sextet(text, s + 4 * q + k));
    for (let b = 16; b >= 0; b -= 8) {
      const byte = (bits >> b) & 0xff;
      if (byte < 48 || byte > 57) return false;
    }
  }
  // ":" is 0x3A: its top six bits are "O" (14), its low two bits "10" put the next character in g–v.
  const next = sextet(text, s + 17);
  return text.charCodeAt(s + 16) === 79 && next >= 32 && next < 48;
}
