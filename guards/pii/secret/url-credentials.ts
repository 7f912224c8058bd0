import { PRIORITY, type Emit } from "../candidate.js";
import { isAsciiAlnum } from "../chars.js";
import { isPlaceholder } from "./value.js";

const MAX_SCHEME = 32;
const MAX_AUTHORITY = 512;

/** Characters that end a URL authority ("host:port" and the user info before it). */
const ENDS_AUTHORITY = new Set([..."/?#\"'`<>()[]{}\\| \t\r\n"].map((ch) => ch.charCodeAt(0)));

/**
 * Passwords in URLs ("postgres://app:s3cret@db:5432/x", "smtps://me@x.com:pw@smtp.x.com"). The
 * span is the password only: the user name and host stay readable, which is what an operator
 * needs from a log line. The user info runs to the last "@" of the authority, since user names
 * are often unencoded e-mail addresses.
 */
export function detectUrlCredentials(text: string, emit: Emit): void {
  let p = text.indexOf("://");
  while (p !== -1) {
    if (hasScheme(text, p)) {
      const from = p + 3;
      let end = from;
      let lastAt = -1;
      while (end < text.length && end - from <= MAX_AUTHORITY && !ENDS_AUTHORITY.has(text.charCodeAt(end))) {
        if (text.charCodeAt(end) === 64 /* @ */) lastAt = end;
        end++;
      }
      let colon = from;
      while (colon < lastAt && text.charCodeAt(colon) !== 58 /* : */) colon++;
      if (lastAt !== -1 && colon < lastAt) {
        const password = text.slice(colon + 1, lastAt);
        if (password.length > 0 && !isPlaceholder(password)) {
          emit({ start: colon + 1, end: lastAt, type: "SECRET", priority: PRIORITY.secretFormat });
        }
      }
      p = text.indexOf("://", Math.max(end, p + 3));
    } else {
      p = text.indexOf("://", p + 3);
    }
  }
}

/** A scheme of letters, digits, "+", "-" or "." before "://", starting with a letter. */
function hasScheme(text: string, p: number): boolean {
  let s = p;
  while (s > 0 && p - s < MAX_SCHEME) {
    const c = text.charCodeAt(s - 1);
    if (!(isAsciiAlnum(c) || c === 43 || c === 45 || c === 46)) break;
    s--;
  }
  return s < p && /[A-Za-z]/.test(text.charAt(s));
}
