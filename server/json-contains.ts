/**
 * PostgreSQL's jsonb `@>`: objects contain a subset of keys whose values contain, arrays contain
 * every needle element somewhere, scalars are equal.
 */
export function jsonContains(haystack: unknown, needle: unknown): boolean {
  if (Array.isArray(needle)) {
    return Array.isArray(haystack) && needle.every((n) => haystack.some((h) => jsonContains(h, n)));
  }
  if (needle !== null && typeof needle === "object") {
    if (haystack === null || typeof haystack !== "object" || Array.isArray(haystack)) return false;
    return Object.entries(needle).every(
      ([k, v]) => Object.hasOwn(haystack, k) && jsonContains((haystack as Record<string, unknown>)[k], v),
    );
  }
  return haystack === needle;
}
