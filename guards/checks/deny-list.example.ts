/**
 * Example of a forker's own layer, in one file: flag configured phrases. Add it to the list in
 * app/keel.ts: `createGuards(options, { checks: [...defaultChecks({ classifier }), denyListCheck({ phrases })] })`.
 * It matches whole words on the shared folded form (lowercased, styled letters and invisible
 * characters undone), so "PROJECT X" and "ｐｒｏｊｅｃｔ ｘ" match but "project xylophone" does not.
 */
import { z } from "zod";
import { normalizeText } from "../normalize.js";
import type { GuardCheck } from "./types.js";

export const DenyListOptionsSchema = z.object({
  phrases: z.array(z.string().trim().min(1)).min(1),
  /** A phrase list is concrete evidence, but off by default: a new list should flag until it is trusted. */
  refuse: z.boolean().default(false),
  surfaces: z
    .array(z.enum(["user", "untrusted"]))
    .min(1)
    .default(["user", "untrusted"]),
});
export type DenyListOptions = z.input<typeof DenyListOptionsSchema>;

export function denyListCheck(options: DenyListOptions): GuardCheck {
  const settings = DenyListOptionsSchema.parse(options);
  // Fold the phrases the way the text is folded, once, so both sides compare alike.
  const phrases = settings.phrases.map((phrase) => {
    const folded = normalizeText(phrase).folded;
    return { phrase, folded, pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escape(folded)}(?![\\p{L}\\p{N}])`, "u") };
  });
  return {
    name: "deny-list",
    surfaces: settings.surfaces,
    check({ normalized }) {
      const hits = phrases.filter((p) => p.pattern.test(normalized.folded));
      return {
        verdict: hits.length > 0 ? "injection" : "benign",
        evidence: hits.map((p) => ({ check: "deny-list", reason: `deny-list:${p.folded}`, detail: p.phrase })),
        refuse: hits.length > 0 && settings.refuse,
      };
    },
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
