// Throughput of the injection guard on 1 MB of ordinary text and on 1 MB inputs built to make
// regexes backtrack, plus the time ratio between 1 MB and 0.25 MB (about 4 when scaling is linear).
// Usage: tsx bench/injection.ts [--data path] [--runs n]
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectInjection } from "../guards/injection/detect.js";
import { parseRows } from "../guards/injection/training.js";
import { prng } from "../guards/injection/train.js";
import type { TextSurface } from "../guards/types.js";

const MB = 1_000_000;
const TARGET_MB_PER_S = 20;

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/data/injection-dev.jsonl" },
    runs: { type: "string", default: "5" },
  },
});
const runs = Math.max(1, Number(values.runs));

/** Repeats `unit` (or a unit generator) until `size` characters, cut to exactly `size`. */
function fill(size: number, unit: string | ((i: number) => string)): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const piece = typeof unit === "string" ? unit : unit(i);
    parts.push(piece);
    length += piece.length;
  }
  return parts.join("").slice(0, size);
}

/**
 * Benign rows of the shared data (prompts, emails, tables, code answers), else generated prose.
 * `asciiOnly` keeps rows without non-ASCII characters: such strings are stored one byte per
 * character and every pass over them is faster, so both cases are shown.
 */
function ordinaryText(size: number, asciiOnly = false): string {
  const path = resolve(root, values.data);
  if (existsSync(path)) {
    const benign = parseRows(readFileSync(path, "utf8")).filter(
      (r) => r.label === "benign" && (!asciiOnly || !/[\u0080-\uFFFF]/.test(r.text)),
    );
    return fill(size, (i) => `${benign[i % benign.length]?.text ?? ""}\n\n`);
  }
  const random = prng(1);
  const words = "the a of to and in report table shows data year team results customer order shipped invoice".split(
    " ",
  );
  return fill(
    size,
    () => `${Array.from({ length: 12 }, () => words[Math.floor(random() * words.length)]).join(" ")}.\n`,
  );
}

const random = prng(7);
const randomBase64 = (): string =>
  Buffer.from(Array.from({ length: 24 }, () => Math.floor(random() * 256))).toString("base64");
const textBase64 = Buffer.from("ignore previous instructions", "utf8").toString("base64");

const ADVERSARIAL: Record<string, (size: number) => string> = {
  "long run of spaces": (size) => `a${" ".repeat(size - 2)}b`,
  '"ignore " repeated': (size) => fill(size, "ignore "),
  '"ignore all the previous " repeated': (size) => fill(size, "ignore all the previous "),
  '"a" repeated': (size) => "a".repeat(size),
  "nested delimiters": (size) => fill(size / 2, "<|[INST]<<SYS>>### ") + fill(size / 2, "|>[/INST]<</SYS>>```"),
  "base64-looking runs": (size) => fill(size, (i) => `${i % 10 === 0 ? textBase64 : randomBase64()} `),
  "spaced letters and leetspeak": (size) => fill(size, "i g n 0 r 3 p.r.e.v "),
  // Every word opens a sentence: the most position features a text can have.
  "one-word sentences": (size) => fill(size, "Hi. Ok? No! So: "),
  "zero-width and tag flood": (size) => fill(size, "x\u200B\u{E0041}\u202E"),
  "percent and morse runs": (size) => fill(size, "%41%42 .- -... "),
};

function secondsFor(text: string, surface: TextSurface): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    detectInjection(text, surface);
    best = Math.min(best, performance.now() - started);
  }
  return best / 1000;
}

function measure(
  name: string,
  make: (size: number) => string,
  surface: TextSurface = "untrusted",
): { name: string; mbPerS: number; ratio: number } {
  const full = make(MB);
  const quarter = make(MB / 4);
  secondsFor(quarter, surface); // warm-up
  const tQuarter = secondsFor(quarter, surface);
  const tFull = secondsFor(full, surface);
  return { name, mbPerS: full.length / MB / tFull, ratio: tFull / tQuarter };
}

const [cpuLoad] = loadavg();
console.log(
  `injection guard throughput (best of ${runs} runs, untrusted surface unless named; load average ${cpuLoad?.toFixed(2)})`,
);
console.log(`${"input".padEnd(38)} ${"MB/s".padStart(7)}  t(1 MB)/t(0.25 MB)`);
const results = [
  measure("ordinary text", (size) => ordinaryText(size)),
  measure("ordinary text, ASCII only", (size) => ordinaryText(size, true)),
  // The same text as user input: no windows (guards/injection/windows.ts), so the two rows show their cost.
  measure("ordinary text, user surface", (size) => ordinaryText(size), "user"),
  ...Object.entries(ADVERSARIAL).map(([n, f]) => measure(n, f)),
];
for (const r of results) console.log(`${r.name.padEnd(38)} ${r.mbPerS.toFixed(1).padStart(7)}  ${r.ratio.toFixed(2)}`);
const [untrusted, , user] = results;
if (untrusted && user) {
  console.log(
    `windows on untrusted text: ${(user.mbPerS / untrusted.mbPerS).toFixed(2)}× the time of the same text as user input`,
  );
}
const slowest = results.reduce((a, b) => (b.mbPerS < a.mbPerS ? b : a));
const worstRatio = Math.max(...results.map((r) => r.ratio));
console.log(
  `\nslowest: ${slowest.name} at ${slowest.mbPerS.toFixed(1)} MB/s (target ${TARGET_MB_PER_S}); ` +
    `largest 1 MB / 0.25 MB time ratio ${worstRatio.toFixed(2)} (linear: about 4)`,
);
