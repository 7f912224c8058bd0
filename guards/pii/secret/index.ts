import type { Emit } from "../candidate.js";
import type { TextIndex } from "../text-index.js";
import { detectAssignments } from "./assignment.js";
import { detectJwts } from "./jwt.js";
import { detectKeyBodyLines } from "./key-line.js";
import { detectPemKeys } from "./pem.js";
import { detectDiscordTokens, detectPivotTokens } from "./pivots.js";
import { detectPrefixedTokens } from "./prefixed.js";
import { detectUrlCredentials } from "./url-credentials.js";

/** Every SECRET detector: published formats first-class, field-name heuristics at lower priority. */
export function detectSecrets(text: string, emit: Emit, index: TextIndex): void {
  detectPemKeys(text, emit);
  detectPrefixedTokens(text, emit, index);
  detectJwts(text, emit);
  detectPivotTokens(text, emit);
  detectDiscordTokens(text, emit, index);
  detectUrlCredentials(text, emit);
  detectAssignments(text, emit);
  detectKeyBodyLines(text, emit, index);
}
