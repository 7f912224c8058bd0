import type { Emit } from "../candidate.js";
import type { TextIndex } from "../text-index.js";
import { detectAssignments } from "./assignment.js";
import { detectEncodedKeys } from "./encoded.js";
import { detectConnectionCredentials } from "./connection.js";
import { detectPasswordHashes } from "./hashes.js";
import { detectJwkMembers } from "./jwk.js";
import { detectJwts } from "./jwt.js";
import { detectKeyBodyLines } from "./key-line.js";
import { detectMarkupSecrets } from "./markup.js";
import { detectKeyPairs } from "./pairs.js";
import { detectPemKeys } from "./pem.js";
import { detectDiscordTokens, detectPivotTokens } from "./pivots.js";
import { detectPrefixedTokens } from "./prefixed.js";
import { detectShapedTokens } from "./shaped.js";
import { detectUrlCredentials } from "./url-credentials.js";
import { detectVendorFields } from "./vendor-fields.js";

/** Every SECRET detector: published formats first-class, field-name heuristics at lower priority. */
export function detectSecrets(text: string, emit: Emit, index: TextIndex): void {
  detectPemKeys(text, emit);
  detectPrefixedTokens(text, emit, index);
  detectJwts(text, emit);
  detectPasswordHashes(text, emit);
  detectPivotTokens(text, emit);
  detectDiscordTokens(text, emit, index);
  detectShapedTokens(text, emit, index);
  detectKeyPairs(text, emit);
  detectJwkMembers(text, emit);
  detectEncodedKeys(text, emit, index);
  detectUrlCredentials(text, emit);
  detectConnectionCredentials(text, emit);
  detectAssignments(text, emit);
  detectVendorFields(text, emit);
  detectMarkupSecrets(text, emit);
  detectKeyBodyLines(text, emit);
}
