// `npm run guard -- scan|redact [--jsonl <file> | <file>]`: run the guards over JSONL rows with a
// `text` field (and `vector`: "direct" = typed by a user, "indirect" = content an agent read).
// Reads stdin when no file is given (or the file is `-`); prints one JSON line per row.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectInjection } from "../guards/injection/index.js";
import { findPii } from "../guards/pii/index.js";
import type { TextSurface } from "../guards/types.js";

export const GUARD_USAGE = `Usage: npm run guard -- scan|redact [--jsonl <file> | <file>]
  scan    prints {"id","label","score"} per row (prompt-injection verdict)
  redact  prints {"id","spans":[{"start","end","type"}]} per row (PII and secrets)
  --jsonl <file>  JSONL input, one row per line ("-" or no file: stdin)
  --help, -h      this text
Rows are JSON objects with "text" (required), "id" and, for scan, "vector" (direct|indirect).`;

export type GuardCommand = "scan" | "redact";

export interface GuardArgs {
  command: GuardCommand;
  /** Input file; undefined means stdin. */
  file: string | undefined;
}

/** Thrown on misuse; the CLI prints the message and the usage text and exits with code 2. */
export class UsageError extends Error {}

/** Parses argv (after `npm run guard --`). Unknown flags, missing values and extra words are usage errors. */
export function parseGuardArgs(argv: string[]): GuardArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { jsonl: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (err) {
    throw new UsageError(usageMessage(err, argv));
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const [command, file, ...extra] = positionals;
  if (command === undefined) throw new UsageError("Missing command: scan or redact.");
  if (command !== "scan" && command !== "redact")
    throw new UsageError(`Unknown command ${JSON.stringify(command)}: use scan or redact.`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(extra[0])}.`);
  if (values.jsonl !== undefined && file !== undefined)
    throw new UsageError(`Give the input once: --jsonl ${values.jsonl} or ${file}, not both.`);
  if (values.jsonl === "") throw new UsageError("Option --jsonl needs a file name (or - for stdin).");
  const input = values.jsonl ?? file;
  return { command, file: input === "-" ? undefined : input };
}

/** node:util's messages name the flag; make them short and uniform. */
function usageMessage(err: unknown, argv: string[]): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? argv.find((a) => a.startsWith("-")) ?? "?";
    return `Unknown option ${flag}.`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /--([\w-]+)/.exec(message)?.[0] ?? "?";
    return `Option ${flag} needs a value.`;
  }
  return message;
}

export interface GuardIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 bad rows or unreadable input, 2 usage error). */
export async function runGuard(argv: string[], io: GuardIo): Promise<number> {
  let args: GuardArgs | "help";
  try {
    args = parseGuardArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${err.message}\n${GUARD_USAGE}\n`);
    return 2;
  }
  if (args === "help") {
    io.stdout.write(`${GUARD_USAGE}\n`);
    return 0;
  }
  const { command, file } = args;
  const input = file === undefined ? io.stdin : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let bad = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (!line.trim()) continue;
      let row: { id?: unknown; text?: unknown; vector?: unknown };
      try {
        row = JSON.parse(line) as typeof row;
      } catch {
        io.stderr.write(`line ${lineNo}: not JSON\n`);
        bad++;
        continue;
      }
      if (row === null || typeof row !== "object" || typeof row.text !== "string") {
        io.stderr.write(`line ${lineNo}: no "text" string\n`);
        bad++;
        continue;
      }
      const id = row.id ?? lineNo;
      if (command === "scan") {
        const surface: TextSurface = row.vector === "indirect" ? "untrusted" : "user";
        const verdict = detectInjection(row.text, surface);
        io.stdout.write(`${JSON.stringify({ id, label: verdict.label, score: round(verdict.score) })}\n`);
      } else {
        const spans = findPii(row.text).map(({ start, end, type }) => ({ start, end, type }));
        io.stdout.write(`${JSON.stringify({ id, spans })}\n`);
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
      io.stderr.write(`Cannot read ${file ?? "stdin"}: ${code}\n`);
      return 1;
    }
    throw err;
  }
  return bad > 0 ? 1 : 0;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  runGuard(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
