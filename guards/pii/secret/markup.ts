import { PRIORITY, type Emit } from "../candidate.js";
import { acceptable } from "./assignment.js";
import { nameTier } from "./names.js";

// Secrets written as markup rather than `name = value`: XML elements named like secrets
// (`<password>…</password>`, `<ns:apiKey>…</ns:apiKey>`) and .NET / Java settings entries
// (`<add key="ApiKey" value="…" />`, `<entry key="db.password">…</entry>`). Each pattern opens with
// "<" and has bounded quantifiers; the name is judged like a field name (names.ts), the span is
// the value.

const ELEMENT = /<((?:[A-Za-z_][\w-]{0,20}:)?[A-Za-z_][\w.-]{0,48})>([^<>\n]{1,256})<\/\1>/g;
const ADD_KEY =
  /<(?:add|setting|entry|param|property)\s+(?:key|name)\s*=\s*"([^"\n]{1,64})"\s+value\s*=\s*"([^"\n]{1,512})"/gi;
const ENTRY = /<(?:entry|property)\s+(?:key|name)\s*=\s*"([^"\n]{1,64})"\s*>([^<>\n]{1,256})<\//gi;

export function detectMarkupSecrets(text: string, emit: Emit): void {
  if (!text.includes("</") && !/<(?:add|setting|entry|param|property)\s/i.test(text)) return;
  for (const re of [ELEMENT, ADD_KEY, ENTRY]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const name = m[1] ?? "";
      const value = m[2] ?? "";
      const local = name.slice(name.indexOf(":") + 1);
      const named = nameTier(local);
      if (!named || named.described) continue;
      const trimmed = value.trim();
      if (!acceptable(trimmed, named.tier, local)) continue;
      const start = m.index + m[0].lastIndexOf(value) + value.indexOf(trimmed);
      emit({ start, end: start + trimmed.length, type: "SECRET", priority: PRIORITY.secretAssignment });
    }
    re.lastIndex = 0;
  }
}
