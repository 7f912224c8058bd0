import { PRIORITY, type Emit } from "../candidate.js";
import { at } from "../chars.js";
import { alphabet, countBack, countForward, tokenMayStart } from "./alphabet.js";
import { looksIllustrative } from "./value.js";
import type { TextIndex } from "../text-index.js";

const digit = alphabet("0-9");
const alnum = alphabet("A-Za-z0-9");
const lowerAlnum = alphabet("a-z0-9");
const b64url = alphabet("A-Za-z0-9_-");
const azure = alphabet("A-Za-z0-9_~.-");
const sessionBody = alphabet("A-Za-z0-9._");

const GOOGLE_CLIENT = ".apps.googleusercontent.com";

/**
 * Formats recognised by a fixed infix or suffix rather than a prefix. Each is found with a native
 * `indexOf` on its literal, then checked with bounded loops on both sides.
 */
export function detectPivotTokens(text: string, emit: Emit): void {
  const found = (start: number, end: number) => {
    if (!looksIllustrative(text.slice(start, end))) {
      emit({ start, end, type: "SECRET", priority: PRIORITY.secretFormat });
    }
  };
  // Telegram bot token "<8–10 digit bot id>:AA<33+ base64url>".
  pivot(text, ":AA", (p) => {
    const id = countBack(text, p, digit, 10);
    const body = countForward(text, p + 3, b64url, 60);
    const s = p - id;
    // "bot<id>:AA…" as written in Bot API URLs ("api.telegram.org/bot123…:AA…").
    const mayStart = tokenMayStart(text, s) || (text.startsWith("bot", s - 3) && tokenMayStart(text, s - 3));
    if (id >= 8 && id <= 10 && body >= 33 && body <= 60 && mayStart) found(s, p + 3 + body);
  });
  // Microsoft Entra client secret: three characters, a digit, "Q~", then 31–34 more.
  pivot(text, "Q~", (p) => {
    const s = p - 4;
    const body = countForward(text, p + 2, azure, 34);
    const head = s >= 0 && digit(text.charCodeAt(p - 1)) && countBack(text, p - 1, azure, 3) >= 3;
    if (head && !azure(at(text, s - 1)) && body >= 31 && body <= 34 && !azure(at(text, p + 2 + body))) {
      found(s, p + 2 + body);
    }
  });
  // Terraform Cloud / HCP token "<14 alnum>.atlasv1.<60–90 base64url>".
  pivot(text, ".atlasv1.", (p) => {
    const head = countBack(text, p, alnum, 14);
    const body = countForward(text, p + 9, b64url, 90);
    if (head === 14 && body >= 60 && body <= 90 && tokenMayStart(text, p - 14)) found(p - 14, p + 9 + body);
  });
  // New Relic license key: 36 lower-case alphanumerics ending "NRAL".
  pivot(text, "NRAL", (p) => {
    if (countBack(text, p, lowerAlnum, 36) === 36 && tokenMayStart(text, p - 36) && !b64url(at(text, p + 4))) {
      found(p - 36, p + 4);
    }
  });
  // Mailchimp API key: 32 alphanumerics, "-us", data-centre number.
  pivot(text, "-us", (p) => {
    const dc = countForward(text, p + 3, digit, 2);
    if (countBack(text, p, alnum, 32) === 32 && dc >= 1 && dc <= 2 && tokenMayStart(text, p - 32)) {
      if (!b64url(at(text, p + 3 + dc))) found(p - 32, p + 3 + dc);
    }
  });
  // Azure AI services key (84 characters): 52 alphanumerics, the signature "JQQJ99", then more.
  // Searched from its "Q": text can be full of "J" ("eyJ…"), hardly ever of "Q".
  pivot(text, "QQJ99", (q) => {
    const p = q - 1;
    if (at(text, p) !== 74 /* J */) return;
    const head = countBack(text, p, alnum, 52);
    const tail = countForward(text, p + 6, alnum, 40);
    const s = p - head;
    if (head !== 52 || tail < 20 || tail > 40 || !tokenMayStart(text, s)) return;
    let end = p + 6 + tail;
    while (end - (p + 6 + tail) < 2 && at(text, end) === 61 /* = */) end++;
    if (!b64url(at(text, end)) && !looksIllustrative(text.slice(s, p))) found(s, end);
  });
  // Google OAuth client id "<project number>-<32 lower-case alphanumerics>.apps.googleusercontent.com",
  // searched from "googleuser…" (dotted text makes a leading "." a slow literal to search for).
  pivot(text, GOOGLE_CLIENT.slice(6), (g) => {
    const p = g - 6;
    if (!text.startsWith(".apps.", p)) return;
    const id = countBack(text, p, lowerAlnum, 32);
    const dash = p - id - 1;
    const number = countBack(text, dash, digit, 20);
    if (id === 32 && at(text, dash) === 45 && number >= 6 && number <= 20 && tokenMayStart(text, dash - number)) {
      if (!b64url(at(text, p + GOOGLE_CLIENT.length))) found(dash - number, p + GOOGLE_CLIENT.length);
    }
  });
  // Salesforce session id / access token "<org id 00D… (15 or 18)>!<session part>", searched
  // from its "!" (rarer in text than "00").
  pivot(text, "!", (bang) => {
    const org = countBack(text, bang, alnum, 18);
    const p = bang - org;
    if ((org !== 15 && org !== 18) || !text.startsWith("00D", p) || !tokenMayStart(text, p)) return;
    const session = countForward(text, bang + 1, sessionBody, 512);
    if (session >= 20 && session <= 512) found(p, bang + 1 + session);
  });
  // Facebook app access token "<15–16 digit app id>|<27 base64url>".
  pivot(text, "|", (p) => {
    const id = countBack(text, p, digit, 16);
    if (id >= 15 && id <= 16 && tokenMayStart(text, p - id) && countForward(text, p + 1, b64url, 27) === 27) {
      if (!b64url(at(text, p + 28))) found(p - id, p + 28);
    }
  });
}

/**
 * Discord bot tokens "<24–28 base64url, starting M/N/O>.<6>.<27–40>". They contain digits, so
 * they lie inside the long token runs of the index; only runs with a dot are searched.
 */
export function detectDiscordTokens(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.tokenRuns();
  let dot = text.indexOf("."); // a forward-only cursor over the dots of the text
  for (let r = 0; r < count && dot !== -1; r += 2) {
    const runStart = runs[r] ?? 0;
    const runEnd = runs[r + 1] ?? 0;
    if (dot < runStart) dot = text.indexOf(".", runStart);
    if (dot === -1 || dot >= runEnd) continue;
    // Anchor on ".<6 base64url>." inside the run (a plain loop: dots may be dense here).
    for (let p = dot; p + 8 < runEnd; p++) {
      if (text.charCodeAt(p) !== 46 || text.charCodeAt(p + 7) !== 46) continue;
      if (countForward(text, p + 1, b64url, 6) !== 6) continue;
      const head = countBack(text, p, b64url, 28);
      const tail = countForward(text, p + 8, b64url, 40);
      const s = p - head;
      if (head < 24 || head > 28 || !"MNO".includes(text.charAt(s)) || tail < 27 || tail > 40) continue;
      const end = p + 8 + tail;
      if (tokenMayStart(text, s) && at(text, end) !== 46 && !looksIllustrative(text.slice(s, end))) {
        emit({ start: s, end, type: "SECRET", priority: PRIORITY.secretFormat });
      }
    }
  }
}

function pivot(text: string, literal: string, check: (at: number) => void): void {
  for (let p = text.indexOf(literal); p !== -1; p = text.indexOf(literal, p + 1)) check(p);
}
