/**
 * Checks a parsed JSON body before anything else touches it. Everything here runs iteratively, so a
 * body nested 10,000 deep is refused rather than overflowing a recursive serializer further on.
 */

/** Deeper than any body the API takes (messages, metadata and resume values are a few levels). */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * PostgreSQL's jsonb and text reject NUL and unpaired UTF-16 surrogates, and JSON.stringify would
 * send them on; refused up front instead of failing mid-query.
 */
export function isStorableString(s: string): boolean {
  return !s.includes("\u0000") && !LONE_SURROGATE.test(s);
}

/** What is wrong with a body, naming the field (`metadata.a.b`, `input.messages.0.content`). */
export interface BodyProblem {
  path: string;
  message: string;
}

const pathOf = (path: readonly (string | number)[]): string =>
  path.length ? path.map((p) => (isStorableString(String(p)) ? String(p) : JSON.stringify(p))).join(".") : "(root)";

/**
 * The first problem in a parsed JSON value: nesting deeper than `maxDepth`, a `__proto__` key (an
 * assignment-based copy of it would replace an object's prototype), or a NUL or unpaired surrogate
 * in any key or string. `constructor` and `prototype` are ordinary keys in parsed JSON and are kept.
 */
export function findBodyProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): BodyProblem | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === "string") {
      if (!isStorableString(v)) {
        return { path: pathOf(path), message: "contains a NUL character or an unpaired surrogate" };
      }
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (path.length >= maxDepth) {
      return { path: pathOf(path.slice(0, 3)), message: `is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    for (const key of Object.keys(v)) {
      if (key === "__proto__") return { path: pathOf([...path, key]), message: "__proto__ is not allowed as a key" };
      if (!isStorableString(key)) {
        return { path: pathOf(path), message: "has a key with a NUL character or an unpaired surrogate" };
      }
      stack.push({ value: (v as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}
