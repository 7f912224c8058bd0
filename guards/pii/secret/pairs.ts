import { PRIORITY, type Emit } from "../candidate.js";
import { alphabet, countForward, glues, tokenMayStart } from "./alphabet.js";
import { looksIllustrative } from "./value.js";

const alnum = alphabet("A-Za-z0-9");
/** What may stand between a key id and its secret: quotes, commas, colons, "=", spaces. */
const between = alphabet("\t \"'`,:;=|/");
const MAX_BETWEEN = 8;

/**
 * Secrets recognised by the key id written right before them. An Alibaba Cloud AccessKey secret
 * is 30 alphanumerics with no mark of its own, but it is almost always written next to its
 * AccessKey id ("LTAI" + 12–30 alphanumerics), as an argument pair, a CSV row or "id:secret".
 * The id itself is a published format (see formats.ts); here only the secret after it is found.
 */
export function detectKeyPairs(text: string, emit: Emit): void {
  for (let p = text.indexOf("LTAI"); p !== -1; p = text.indexOf("LTAI", p + 4)) {
    if (!tokenMayStart(text, p)) continue;
    const id = countForward(text, p + 4, alnum, 30);
    if (id < 12 || id > 30) continue;
    let s = p + 4 + id;
    const gapStart = s;
    while (s - gapStart < MAX_BETWEEN && between(text.charCodeAt(s))) s++;
    if (s === gapStart || countForward(text, s, alnum, 30) !== 30 || glues(text.charCodeAt(s + 30))) continue;
    const secret = text.slice(s, s + 30);
    if (/[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9]/.test(secret) && !looksIllustrative(secret)) {
      emit({ start: s, end: s + 30, type: "SECRET", priority: PRIORITY.secretFormat });
    }
  }
}
