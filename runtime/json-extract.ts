/**
 * JSON values a model reply may hold, most deliberate first: fenced ```json blocks, the whole
 * reply, then the first object embedded in prose. Callers validate each in turn.
 */
export function jsonCandidates(text: string): unknown[] {
  const found: unknown[] = [];
  for (const match of text.matchAll(/```(?:json)?[ \t]*\n([^`]*)```/g)) {
    const parsed = tryParse(match[1] ?? "");
    if (parsed.ok) found.push(parsed.value);
  }
  const whole = tryParse(text.trim());
  if (whole.ok) found.push(whole.value);
  const embedded = firstJsonObject(text);
  if (embedded !== undefined) found.push(embedded);
  return found;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Finds the first parseable JSON object inside arbitrary text, e.g. a tool result wrapped in
 * delimiters or prose. Braces inside JSON strings are skipped, so `{"a":"}"}` is found whole.
 */
export function firstJsonObject(text: string): Record<string, unknown> | undefined {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    const end = matchingBrace(text, start);
    if (end === -1) continue;
    try {
      const value: unknown = JSON.parse(text.slice(start, end + 1));
      if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Not JSON after all (e.g. prose in braces); try the next opening brace.
    }
  }
  return undefined;
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === "{") {
      depth++;
    } else if (ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
