import { z } from "zod";
import { BudgetSchema } from "../runtime/budget.js";
import { formatIssues } from "../runtime/errors.js";
import { ApiError } from "./errors.js";

/** Run metadata keys the server writes when a run ends (server/executor.ts), so a caller cannot. */
export const RUN_STOP_KEYS = ["stop_reason", "error"] as const;

const STREAM_MODES = [
  "values",
  "updates",
  "messages",
  "messages-tuple",
  "custom",
  "debug",
  "tasks",
  "checkpoints",
] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

/**
 * The engine can stream `events` (LangChain streamEvents), but they carry every step's raw inputs and
 * outputs: the system prompt, tool output before the untrusted-data wrapping the model reads, and
 * tokens one by one, so PII split across tokens escapes the output redaction (server/redact-output.ts)
 * that holds streamed text back. Refused by name rather than streamed or silently dropped.
 */
export const EVENTS_REFUSED =
  'stream_mode "events" is not supported on this server: LangChain events carry unredacted model inputs and tokens. Use "messages-tuple", "updates", "values" or "custom".';

/**
 * A caller may only add user messages. Any other state key (usage, approvals, stop reason) or a
 * fabricated assistant/tool message would let a request rewrite its own budget or skip an approval.
 */
const UserMessageSchema = z
  .object({
    role: z.enum(["user", "human"]).optional(),
    type: z.enum(["human"]).optional(),
    content: z.union([z.string(), z.array(z.object({ type: z.literal("text"), text: z.string() }).loose())]),
    id: z.string().max(200).optional(),
  })
  .refine((m) => m.role !== undefined || m.type !== undefined, { message: "needs role: user" });

/**
 * A tool message a client wrote. agent-chat-ui, when the user types while an approval is pending,
 * sends one per pending call ("Successfully handled tool call.") before the user's message. Such a
 * message is never taken as a tool's result: it is dropped here, and the graph answers the pending
 * calls itself (guard_input rejects them with the user's words).
 */
const ClientToolMessageSchema = z
  .object({
    role: z.literal("tool").optional(),
    type: z.literal("tool").optional(),
    tool_call_id: z.string().max(200),
    content: z.unknown(),
  })
  .loose()
  .refine((m) => m.role !== undefined || m.type !== undefined, { message: "needs type: tool" });

const isUserMessage = (m: unknown): m is z.infer<typeof UserMessageSchema> => UserMessageSchema.safeParse(m).success;

const InputSchema = z
  .object({
    messages: z
      .array(z.union([UserMessageSchema, ClientToolMessageSchema]))
      .min(1)
      .max(40),
  })
  .strict()
  .transform(({ messages }) => ({ messages: messages.filter(isUserMessage) }))
  .refine((input) => input.messages.length > 0, {
    message: "tool results are written by the agent, not by a client: send a user message (or a command.resume)",
  })
  .refine((input) => input.messages.length <= 20, { message: "at most 20 user messages" });

/** `input: {}` or `input: null` next to a command (as agent-chat-ui resumes) means no input. */
const emptyInput = (value: unknown) =>
  value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0 ? null : value;

/** Only `resume`: `goto` and `update` would let a caller steer the graph past its guards. */
const CommandSchema = z.object({ resume: z.unknown() }).strict();

export const RunCreateSchema = z
  .object({
    assistant_id: z.string().min(1).max(200),
    input: z.preprocess(emptyInput, InputSchema.nullable().optional()),
    command: CommandSchema.optional(),
    config: z
      .object({
        tags: z.array(z.string().max(100)).max(20).optional(),
        recursion_limit: z.number().int().min(1).max(500).optional(),
        configurable: z
          .object({ checkpoint_id: z.string().max(100).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    context: z.object({ budget: BudgetSchema.optional() }).strict().nullable().optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => !RUN_STOP_KEYS.some((k) => Object.hasOwn(m, k)), {
        message: `${RUN_STOP_KEYS.join(" and ")} are set by the server when the run ends`,
      })
      .optional(),
    stream_mode: z.union([z.enum(STREAM_MODES), z.array(z.enum(STREAM_MODES)).max(8)]).optional(),
    stream_subgraphs: z.boolean().optional(),
    interrupt_before: z.union([z.literal("*"), z.array(z.string().max(100)).max(50)]).optional(),
    interrupt_after: z.union([z.literal("*"), z.array(z.string().max(100)).max(50)]).optional(),
    checkpoint_id: z.string().max(100).optional(),
    checkpoint: z
      .object({ checkpoint_id: z.string().max(100).optional() })
      .loose()
      .optional(),
    multitask_strategy: z.literal("reject").optional(),
    on_disconnect: z.enum(["cancel", "continue"]).optional(),
    if_not_exists: z.enum(["create", "reject"]).optional(),
    webhook: z.undefined({ error: "webhooks are not supported" }).optional(),
    after_seconds: z.undefined({ error: "delayed runs are not supported" }).optional(),
  })
  // Options the SDK may send that change nothing here (durability, feedback_keys, …) are ignored.
  .loose()
  .refine((r) => !(r.input && r.command), { message: "send either input or command, not both" });

export type RunCreate = z.infer<typeof RunCreateSchema>;

/** What a run was asked to do, stored with it so any replica can resume it. */
export interface RunKwargs {
  input: { messages: unknown[] } | null;
  command: { resume: unknown } | undefined;
  config: { tags?: string[]; recursion_limit?: number; configurable?: { checkpoint_id?: string } };
  budget: z.infer<typeof BudgetSchema> | undefined;
  stream_mode: StreamMode[];
  stream_subgraphs: boolean;
  interrupt_before: "*" | string[] | undefined;
  interrupt_after: "*" | string[] | undefined;
  on_disconnect: "cancel" | "continue";
}

/** Validates a run request: 422 naming each bad field, 413 when the new messages are too long. */
export function parseRunCreate(body: unknown, maxInputChars: number): { request: RunCreate; kwargs: RunKwargs } {
  if (body && typeof body === "object" && "context" in body) {
    const context = (body as { context?: unknown }).context;
    if (context && typeof context === "object" && ("userId" in context || "role" in context)) {
      throw new ApiError(422, "invalid_request", "context.userId and context.role come from your credentials");
    }
  }
  const command = body && typeof body === "object" ? (body as { command?: unknown }).command : undefined;
  if (command && typeof command === "object" && ("goto" in command || "update" in command)) {
    // agent-chat-ui's "Mark as Resolved" sends {goto: "__end__"}: ending the turn there would leave
    // the model's pending tool calls unanswered and skip the review.
    throw new ApiError(
      422,
      "invalid_request",
      "command.goto and command.update are not supported: answer a pending approval with command.resume {decisions: [...]} (approve, edit or reject), or send a new message, which rejects the pending calls.",
    );
  }
  if (body && typeof body === "object" && "stream_mode" in body) {
    const modes = [(body as { stream_mode?: unknown }).stream_mode].flat();
    if (modes.includes("events")) throw new ApiError(422, "invalid_request", EVENTS_REFUSED);
  }
  const parsed = RunCreateSchema.safeParse(body);
  if (!parsed.success) throw new ApiError(422, "invalid_request", formatIssues(parsed.error.issues));
  const r = parsed.data;
  const chars = (r.input?.messages ?? []).reduce(
    (n, m) => n + (typeof m.content === "string" ? m.content.length : m.content.reduce((k, p) => k + p.text.length, 0)),
    0,
  );
  if (chars > maxInputChars) {
    throw new ApiError(413, "input_too_large", `The message is ${chars} characters; the limit is ${maxInputChars}.`);
  }
  const modes = r.stream_mode === undefined ? ["values" as const] : [r.stream_mode].flat();
  const checkpointId = r.checkpoint_id ?? r.checkpoint?.checkpoint_id ?? r.config?.configurable?.checkpoint_id;
  return {
    request: r,
    kwargs: {
      input: r.input ?? null,
      command: r.command,
      config: {
        ...(r.config?.tags ? { tags: r.config.tags } : {}),
        ...(r.config?.recursion_limit ? { recursion_limit: r.config.recursion_limit } : {}),
        ...(checkpointId ? { configurable: { checkpoint_id: checkpointId } } : {}),
      },
      budget: r.context?.budget,
      stream_mode: modes,
      stream_subgraphs: r.stream_subgraphs ?? false,
      interrupt_before: r.interrupt_before,
      interrupt_after: r.interrupt_after,
      on_disconnect: r.on_disconnect ?? "continue",
    },
  };
}
