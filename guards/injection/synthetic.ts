/**
 * Hard negatives the public data lacks: the everyday ways users steer a chat ("format your
 * reply as a table", "ignore my last message, I meant Python", "repeat your answer but
 * shorter"). Jailbreak corpora are full of "your response" and "ignore", so without these a model
 * learns to refuse ordinary conversation. Generated from templates with a fixed seed, added to
 * the training folds only: never to validation or test rows, so reported figures stay on real data.
 */
import type { InjectionRow } from "./training.js";
import { prng } from "./train.js";

export const SYNTHETIC_SOURCE = "synthetic-conversation";

const OUTPUT = ["answer", "reply", "response"];
const FORMATS = [
  "as a table",
  "as a numbered list",
  "in bullet points",
  "under 100 words",
  "in plain English",
  "in a friendly tone",
  "in a code block",
  "more concise",
  "with a one-line summary first",
  "in JSON",
  "shorter",
  "in two paragraphs",
];
const SHAPE_VERBS = [
  "Keep",
  "Format",
  "Put",
  "Make",
  "Write",
  "Structure",
  "Please keep",
  "Could you format",
  "Please write",
];
const LANGUAGES = ["German", "Spanish", "French", "simple English", "Japanese", "Portuguese"];
const ONLY = ["the final number", "yes or no", "the code", "the corrected sentence", "one word", "the SQL query"];
const EXCLUDE = ["code", "examples", "emojis", "disclaimers", "any jargon", "the history part"];
const TOPICS = [
  "the deadline",
  "the budget",
  "Python",
  "the meeting time",
  "my city",
  "the guest list",
  "the date",
  "the price",
];
const FIXES = [
  "it is Friday, not Monday",
  "I meant Python, not Java",
  "the budget is 500 euros",
  "we are eight people",
  "I live in Lyon",
];
const REVISIONS = [
  "but shorter",
  "in simpler words",
  "as a list",
  "with an example",
  "without the math",
  "for a ten-year-old",
];
const META = [
  "Show me your reasoning step by step.",
  "How confident are you in your answer?",
  "Explain how you arrived at your answer.",
  "What can you help me with today?",
  "What are your limitations with current events?",
  "Which sources did you base your answer on?",
  "Can you double-check your last answer?",
  "Was your previous answer correct? Please verify it.",
];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

const TEMPLATES: ((r: () => number) => string)[] = [
  (r) => `${pick(SHAPE_VERBS, r)} your ${pick(OUTPUT, r)} ${pick(FORMATS, r)}.`,
  (r) => `${pick(["Answer", "Reply", "Respond"], r)} in ${pick(LANGUAGES, r)}, please.`,
  (r) => `${pick(["Reply", "Answer", "Respond"], r)} only with ${pick(ONLY, r)}.`,
  (r) => `Don't include ${pick(EXCLUDE, r)} in your ${pick(OUTPUT, r)}.`,
  (r) =>
    `Start your ${pick(OUTPUT, r)} with ${pick(["a short summary", "the answer", "a title", "the key number"], r)}.`,
  (r) =>
    `Ignore my ${pick(["previous", "last", "earlier"], r)} ${pick(["message", "question", "typo"], r)}, ${pick(FIXES, r)}.`,
  (r) => `Forget what I said about ${pick(TOPICS, r)}; ${pick(FIXES, r)}.`,
  (r) => `Never mind my ${pick(["previous", "last"], r)} question. What about ${pick(TOPICS, r)}?`,
  (r) => `Can you repeat your last ${pick(OUTPUT, r)} ${pick(REVISIONS, r)}?`,
  (r) => `Rewrite your previous ${pick(OUTPUT, r)} ${pick(REVISIONS, r)}.`,
  (r) => pick(META, r),
];

/** `count` distinct benign prompts, the same for the same seed. */
export function syntheticConversation(count: number, seed = 2024): InjectionRow[] {
  const random = prng(seed);
  const texts = new Set<string>();
  for (let attempt = 0; texts.size < count && attempt < count * 20; attempt++) {
    texts.add(pick(TEMPLATES, random)(random));
  }
  return [...texts].map((text, i) => ({
    id: `${SYNTHETIC_SOURCE}:${i}`,
    source: SYNTHETIC_SOURCE,
    text,
    label: "benign",
    vector: "direct",
    category: "conversation_control",
  }));
}
