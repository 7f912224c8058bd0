// `npm run guard -- scan|redact [file.jsonl]`: run the guards over JSONL rows with a `text` field
// (and `vector`: "direct" = typed by a user, "indirect" = content an agent read). Reads stdin
// when no file is given; prints one JSON line per row.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { detectInjection } from "../guards/injection/index.js";
import { findPii } from "../guards/pii/index.js";
import type { TextSurface } from "../guards/types.js";

const USAGE = `Usage: npm run guard -- scan|redact [file.jsonl]
  scan    prints {"id","label","score"} per row (prompt-injection verdict)
  redact  prints {"id","spans":[{"start","end","type"}]} per row (PII and secrets)
Rows are JSON objects with "text" (required), "id" and, for scan, "vector" (direct|indirect).`;

async function main(argv: string[]): Promise<number> {
  const [command, file] = argv;
  if (command !== "scan" && command !== "redact") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const lines = createInterface({ input: file ? createReadStream(file) : process.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  let bad = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let row: { id?: unknown; text?: unknown; vector?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      process.stderr.write(`line ${lineNo}: not JSON\n`);
      bad++;
      continue;
    }
    if (typeof row.text !== "string") {
      process.stderr.write(`line ${lineNo}: no "text" string\n`);
      bad++;
      continue;
    }
    const id = row.id ?? lineNo;
    if (command === "scan") {
      const surface: TextSurface = row.vector === "indirect" ? "untrusted" : "user";
      const verdict = detectInjection(row.text, surface);
      process.stdout.write(`${JSON.stringify({ id, label: verdict.label, score: round(verdict.score) })}\n`);
    } else {
      const spans = findPii(row.text).map(({ start, end, type }) => ({ start, end, type }));
      process.stdout.write(`${JSON.stringify({ id, spans })}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
