import { randomUUID } from "node:crypto";
import { createInterface, type Interface } from "node:readline/promises";
import { startKeel, type Keel } from "../app/keel.js";
import { closeOnExit } from "../checkpoint/index.js";
import {
  assertThreadExists,
  readOutcome,
  runTurn,
  type TurnCaller,
  type TurnEvents,
  type TurnInput,
  type TurnOutcome,
} from "../app/turn.js";
import { StreamRedactor } from "../guards/stream-redactor.js";
import { type HITLRequest, HITLResponseSchema, type HITLResponse } from "../nodes/approval-schema.js";
import { loadConfig } from "../runtime/config.js";
import { isKeelError } from "../runtime/errors.js";
import { askDecisions } from "./approval-prompt.js";
import { parseCliArgs, USAGE, type CliOptions } from "./args.js";
import { formatUsage, outcomeJson } from "./render.js";

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const keel = await startKeel(config);
  // Ctrl-C or SIGTERM closes the pool (and an embedded server this process started) before exiting.
  const removeExitHandlers = closeOnExit(keel, { log: (line) => err(`${line}\n`) });
  try {
    if (keel.offlineModelUrl) {
      err(
        `Offline demo: no OPENAI_API_KEY is set, so Keel is talking to its built-in fake model at ${keel.offlineModelUrl}.\n`,
      );
    }
    const caller: TurnCaller = {
      threadId: options.threadId ?? randomUUID(),
      userId: options.userId ?? config.identity.userId,
      role: options.role ?? config.identity.role,
    };
    if (options.threadId) await assertThreadExists(keel.agent, options.threadId);
    if (options.decision || options.message !== undefined) return await runOnce(keel, caller, options);
    return await chat(keel, caller);
  } finally {
    removeExitHandlers();
    await keel.close();
  }
}

/** `--message` or a decision for a paused thread: one turn, then exit. */
async function runOnce(keel: Keel, caller: TurnCaller, options: CliOptions): Promise<number> {
  let input: TurnInput;
  if (options.decision) {
    const current = await readOutcome(keel.agent, caller.threadId);
    if (current.status !== "interrupted")
      throw new Error(`Thread "${caller.threadId}" is not waiting for an approval.`);
    input = { resume: decisionsFor(options.decision, current.request) };
  } else {
    input = { message: options.message! };
  }
  const interactive = !options.json && process.stdin.isTTY === true;
  const rl = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  try {
    const outcome = await turnWithApprovals(keel, caller, input, rl, options.json);
    if (options.json) out(`${outcomeJson(outcome)}\n`);
    else if (outcome.status === "interrupted") {
      err(
        `\nPaused for approval. Resume with: npm start -- --thread ${caller.threadId} --approve (or --reject "reason")\n`,
      );
    }
    return outcome.status === "done" && outcome.stopReason === "model_error" ? 1 : 0;
  } finally {
    rl?.close();
  }
}

function decisionsFor(decision: NonNullable<CliOptions["decision"]>, request: HITLRequest): HITLResponse {
  if (decision.kind === "raw") return HITLResponseSchema.parse(JSON.parse(decision.json));
  return {
    decisions: request.actionRequests.map(() =>
      decision.kind === "approve"
        ? { type: "approve" as const }
        : { type: "reject" as const, message: decision.message },
    ),
  };
}

/** Interactive chat: one line per message, approvals asked inline. */
async function chat(keel: Keel, caller: TurnCaller): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  out(
    `Keel — thread ${caller.threadId} (resume later with --thread ${caller.threadId}). Empty line or Ctrl-D quits.\n`,
  );
  try {
    const pending = await readOutcome(keel.agent, caller.threadId).catch(() => undefined);
    if (pending?.status === "interrupted") {
      await turnWithApprovals(
        keel,
        caller,
        { resume: { decisions: await askDecisions(rl, pending.request, out) } },
        rl,
        false,
      );
    }
    for (;;) {
      let line: string;
      try {
        line = (await rl.question("\nyou> ")).trim();
      } catch {
        break; // stdin closed
      }
      if (!line) break;
      await turnWithApprovals(keel, caller, { message: line }, rl, false);
    }
  } finally {
    rl.close();
  }
  return 0;
}

/** Runs a turn, and while it pauses for approval and someone can answer, asks and resumes. */
async function turnWithApprovals(
  keel: Keel,
  caller: TurnCaller,
  input: TurnInput,
  rl: Interface | undefined,
  quiet: boolean,
): Promise<TurnOutcome> {
  let streamed = false;
  // Streamed tokens pass through the same redaction as the stored answer.
  let redactor = new StreamRedactor(keel.guards.redactText);
  const show = (text: string): void => {
    if (!text) return;
    if (!streamed) out("\nkeel> ");
    streamed = true;
    out(text);
  };
  const flush = (): void => {
    show(redactor.end());
    redactor = new StreamRedactor(keel.guards.redactText);
  };
  const events: TurnEvents = quiet
    ? {}
    : {
        onToken: (text) => show(redactor.push(text)),
        onToolCall: (call) => {
          flush();
          out(`\n  → ${call.name} ${JSON.stringify(call.args)}`);
        },
        onToolResult: ({ name, result }) =>
          out(
            `\n  ← ${name} ${result.ok ? `ok ${JSON.stringify(result.data)}` : `${result.error.code}: ${result.error.message}`}`,
          ),
      };
  // Every node logs a step line; the tracer, when on, also keeps LangChain's unredacted default away.
  const options = { events, logger: keel.logger, callbacks: keel.tracing.callbacks };
  let outcome = await runTurn(keel.agent, input, caller, options);
  while (outcome.status === "interrupted" && rl) {
    streamed = false;
    const decisions = await askDecisions(rl, outcome.request, out);
    outcome = await runTurn(keel.agent, { resume: { decisions } }, caller, options);
  }
  if (!quiet) {
    flush();
    if (outcome.status === "done" && !streamed) out(`\nkeel> ${outcome.answer}`);
    out(
      `\n${formatUsage(outcome.usage, outcome.threadUsage)}${outcome.status === "done" ? ` · ${outcome.stopReason}` : " · waiting for approval"}\n`,
    );
  }
  return outcome;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const code = isKeelError(e) ? e.code : "internal_error";
    const message = e instanceof Error ? e.message : String(e);
    err(`${isKeelError(e) ? `[${code}] ` : ""}${message}\n`);
    // Scripts reading --json get an answer on every path, failures included.
    if (process.argv.includes("--json")) out(`${JSON.stringify({ status: "error", error: { code, message } })}\n`);
    process.exit(isKeelError(e, "config_invalid") ? 2 : 1);
  },
);
