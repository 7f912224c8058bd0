import { findPii } from "../guards/pii/index.js";
import type { PiiType } from "../guards/types.js";

export interface EgressFindings {
  /** Secret spans in the outgoing data: the call is refused, whoever approves it. */
  secrets: number;
  /** Personal data types in the outgoing data: the call needs a human's approval. */
  pii: PiiType[];
}

/**
 * An IP address in a URL is where the request goes, not data it carries; the address policy of
 * each tool judges destinations.
 */
const IGNORED: ReadonlySet<PiiType> = new Set(["IP_ADDRESS"]);

/**
 * What a call of a tool that sends data out would carry: every string (and number) in its
 * validated args, also percent-decoded, so `%40` or an encoded key in a query string is seen.
 */
export function scanEgress(args: unknown): EgressFindings {
  let secrets = 0;
  const pii = new Set<PiiType>();
  for (const text of leaves(args)) {
    for (const variant of decodings(text)) {
      for (const span of findPii(variant)) {
        if (span.type === "SECRET") secrets++;
        else if (!IGNORED.has(span.type)) pii.add(span.type);
      }
    }
  }
  return { secrets, pii: [...pii].sort() };
}

function* leaves(value: unknown, depth = 0): Generator<string> {
  if (typeof value === "string") yield value;
  else if (typeof value === "number" || typeof value === "bigint") yield String(value);
  else if (value && typeof value === "object" && depth < 32) {
    for (const item of Object.values(value)) yield* leaves(item, depth + 1);
  }
}

function decodings(text: string): string[] {
  if (!/%[0-9a-f]{2}|\+/i.test(text)) return [text];
  try {
    const decoded = decodeURIComponent(text.replace(/\+/g, " "));
    return decoded === text ? [text] : [text, decoded];
  } catch {
    return [text];
  }
}
