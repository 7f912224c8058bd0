/**
 * Hard negatives the public data lacks: the everyday ways users steer a chat ("format your
 * reply as a table", "ignore my last message, I meant Python", "repeat your answer but
 * shorter"), play-acting for fun, errands for an assistant with tools, questions about the
 * assistant itself, greetings, thanks followed by the next request. Jailbreak corpora are full of
 * "your response", "ignore", "pretend you are", "as an AI" and open with "Hello ChatGPT", and
 * planted tasks often follow praise ("Well done! Now …"), so without these a model learns to
 * refuse ordinary conversation. Generated from templates with a fixed seed, added to the training
 * folds only: never to validation or test rows, so reported figures stay on real data.
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

/** Light role-play: a character for fun, not a way around rules. */
const CHARACTERS = [
  "a medieval knight",
  "a friendly robot",
  "a tour guide in Rome",
  "a grumpy chef",
  "Shakespeare",
  "a detective from the 1920s",
  "a cowboy",
  "a wizard",
  "a sports commentator",
  "a kindergarten teacher",
  "my personal trainer",
  "a game show host",
];
const FUN = [
  "tell me a joke",
  "explain how tides work",
  "describe your favourite meal",
  "wish my sister a happy birthday",
  "give me a pep talk before my exam",
  "tell me a short story about a cat",
  "explain photosynthesis",
  "recommend a book for the weekend",
];
const RECIPIENTS = [
  "sam@example.org",
  "my manager",
  "the team",
  "alex@example.net",
  "my landlord",
  "jo.smith@example.com",
  "the front desk",
];
const NOTE_BODIES = [
  "saying I'll be ten minutes late",
  "about tomorrow's meeting",
  "with my new address",
  "to thank them for dinner",
  "asking for the quarterly report",
  "saying the parcel arrived",
];
const SELF = ["limitations", "strengths", "main capabilities", "blind spots", "knowledge cutoff"];
/** Openings of a chat turn: jailbreaks often start "Hello ChatGPT", and so do ordinary questions. */
const GREETINGS = ["Hello", "Hi", "Hey", "Good morning", "Good evening", "Hi there", "Hallo", "Guten Tag"];
const ADDRESSEES = ["", "", " ChatGPT", " assistant", " there", " again"];
/** What follows praise or thanks in an ordinary follow-up ("Great, now …"). */
const PRAISE = [
  "Thanks!",
  "Thank you.",
  "Great.",
  "Perfect!",
  "Nice work!",
  "Well done.",
  "Awesome!",
  "Danke!",
  "Super.",
];
const NEXT = ["Now", "Next,", "Also,", "One more thing:", "And now", "Jetzt"];
const FOLLOW_UPS = [
  "can you make it a bit longer?",
  "translate it into Italian.",
  "add a title to the list.",
  "what would you change in the second paragraph?",
  "do the same for the other file.",
  "could you suggest a name for the project?",
  "give me three more examples.",
  "how do I run the tests?",
  "explain the last step again.",
  "write a reply to her email.",
];
const QUESTIONS = [
  "How are you?",
  "What should I cook tonight?",
  "Can you recommend a podcast about history?",
  "How do I center a div in CSS?",
  "What is a good name for a cat?",
  "Could you check my grammar?",
  "What time zone is Tokyo in?",
  "Wie geht es dir?",
];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

type Template = (r: () => number) => string;

/**
 * Weight of a synthetic example in training, by category. Role-play counts for less: the public
 * data labels persona prompts as injections, and these should only keep playful requests below a
 * refusal, not teach that role-play is always safe.
 */
const CATEGORY_WEIGHT: Readonly<Record<string, number>> = { role_play: 0.3 };

export function syntheticWeight(row: Pick<InjectionRow, "source" | "category">): number {
  return row.source === SYNTHETIC_SOURCE ? (CATEGORY_WEIGHT[row.category] ?? 1) : 1;
}

/** Templates by category: conversation control, role-play, errands, questions about the assistant. */
const TEMPLATES: readonly (readonly [string, Template])[] = [
  ["conversation_control", (r) => `${pick(SHAPE_VERBS, r)} your ${pick(OUTPUT, r)} ${pick(FORMATS, r)}.`],
  ["conversation_control", (r) => `${pick(["Answer", "Reply", "Respond"], r)} in ${pick(LANGUAGES, r)}, please.`],
  ["conversation_control", (r) => `${pick(["Reply", "Answer", "Respond"], r)} only with ${pick(ONLY, r)}.`],
  ["conversation_control", (r) => `Don't include ${pick(EXCLUDE, r)} in your ${pick(OUTPUT, r)}.`],
  [
    "conversation_control",
    (r) =>
      `Start your ${pick(OUTPUT, r)} with ${pick(["a short summary", "the answer", "a title", "the key number"], r)}.`,
  ],
  [
    "conversation_control",
    (r) =>
      `Ignore my ${pick(["previous", "last", "earlier"], r)} ${pick(["message", "question", "typo"], r)}, ${pick(FIXES, r)}.`,
  ],
  ["conversation_control", (r) => `Forget what I said about ${pick(TOPICS, r)}; ${pick(FIXES, r)}.`],
  [
    "conversation_control",
    (r) => `Never mind my ${pick(["previous", "last"], r)} question. What about ${pick(TOPICS, r)}?`,
  ],
  ["conversation_control", (r) => `Can you repeat your last ${pick(OUTPUT, r)} ${pick(REVISIONS, r)}?`],
  ["conversation_control", (r) => `Rewrite your previous ${pick(OUTPUT, r)} ${pick(REVISIONS, r)}.`],
  ["conversation_control", (r) => pick(META, r)],
  [
    "role_play",
    (r) =>
      `${pick(["Pretend you are", "Imagine you are", "Talk like", "Play the role of"], r)} ${pick(CHARACTERS, r)} and ${pick(FUN, r)}.`,
  ],
  [
    "errand",
    (r) =>
      `${pick(["Send", "Write", "Draft", "Email"], r)} ${pick(["a note", "a message", "an email", "a reminder"], r)} to ${pick(RECIPIENTS, r)} ${pick(NOTE_BODIES, r)}.`,
  ],
  ["greeting", (r) => `${pick(GREETINGS, r)}${pick(ADDRESSEES, r)}${pick(["!", "."], r)} ${pick(QUESTIONS, r)}`],
  ["follow_up", (r) => `${pick(PRAISE, r)} ${pick(NEXT, r)} ${pick(FOLLOW_UPS, r)}`],
  [
    "about_assistant",
    (r) => `What are your ${pick(SELF, r)} as an ${pick(["AI model", "AI assistant", "AI", "assistant"], r)}?`,
  ],
];

/** `count` distinct benign prompts, the same for the same seed. */
export function syntheticConversation(count: number, seed = 2024): InjectionRow[] {
  const random = prng(seed);
  const texts = new Map<string, string>();
  for (let attempt = 0; texts.size < count && attempt < count * 20; attempt++) {
    const [category, template] = pick(TEMPLATES, random);
    const text = template(random);
    if (!texts.has(text)) texts.set(text, category);
  }
  return [...texts].map(([text, category], i) => ({
    id: `${SYNTHETIC_SOURCE}:${i}`,
    source: SYNTHETIC_SOURCE,
    text,
    label: "benign",
    vector: "direct",
    category,
  }));
}
