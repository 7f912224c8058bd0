import { MessagesValue, ReducedValue, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { ROLES } from "../tools/types.js";
import { BUDGET_STOP_REASONS, BudgetSchema } from "../runtime/budget.js";
import { UsageSchema } from "../runtime/usage.js";

export const STOP_REASONS = ["answer", "refused", "model_error", "user_limit", ...BUDGET_STOP_REASONS] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const zeroUsage = () => UsageSchema.parse({});

/** One guard finding: what was inspected, the verdict, and what Keel did about it. */
export const GuardFlagSchema = z.object({
  surface: z.enum(["user", "untrusted"]),
  /** "input", or the tool and call id whose output was inspected. */
  source: z.string(),
  action: z.enum(["blocked", "flagged", "quarantined"]),
  score: z.number(),
  reasons: z.array(z.string()),
});
export type GuardFlag = z.infer<typeof GuardFlagSchema>;

/** Flags are appended and the newest kept: an audit trail for the thread that cannot grow unbounded. */
const MAX_GUARD_FLAGS = 100;

/**
 * Graph state. Usage lives here (not in memory) so budgets hold across interrupts, resumes and
 * process restarts. `run*` fields are reset by guard_input at the start of every run.
 */
export const AgentState = new StateSchema({
  messages: MessagesValue,
  /** Running summary of turns folded out of `messages`. */
  summary: z.string().default(""),
  threadUsage: UsageSchema.default(zeroUsage),
  runUsage: UsageSchema.default(zeroUsage),
  /** Decisions for this run's tool calls, by call id; the tools node runs a gated call only when approved. */
  approvals: z.record(z.string(), z.enum(["approved", "edited", "rejected"])).default(() => ({})),
  guardFlags: new ReducedValue(
    z.array(GuardFlagSchema).default(() => []),
    {
      inputSchema: z.array(GuardFlagSchema),
      reducer: (current: GuardFlag[], next: GuardFlag[]) => [...current, ...next].slice(-MAX_GUARD_FLAGS),
    },
  ),
  /**
   * Id of the newest message the previous run accounted for (set by guard_input and finalize):
   * messages after it are what the current request added, and each of them is guarded.
   */
  inputWatermark: z.string().nullable().default(null),
  stopReason: z.enum(STOP_REASONS).nullable().default(null),
  error: z.object({ code: z.string(), message: z.string() }).nullable().default(null),
});

/**
 * What a caller may send: messages only. Usage, approvals and stop reasons are written by the nodes;
 * a deployment that accepted them as input would let a request reset its own budget.
 */
export const AgentInput = new StateSchema({ messages: MessagesValue });

export type AgentStateValue = typeof AgentState.State;
export type AgentStateUpdate = typeof AgentState.Update;

/**
 * Per-run caller context (LangGraph runtime context), never globals: what the graph declares and
 * every front end passes (CLI, server, Studio).
 */
export const CallerContextSchema = z.object({
  userId: z.string().min(1).default("anonymous"),
  role: z.enum(ROLES).default("member"),
  /** Per-request run budget; it can only narrow the configured one. */
  budget: BudgetSchema.optional(),
});

/**
 * The caller's context plus an assistant's settings, which the API server sets from the assistant
 * a run names (server/assistant-settings.ts validates them when the assistant is saved; a run
 * request cannot send them). Unset, a run uses the deployment's prompt, model and the role's tools.
 * Kept out of the declared schema so callers that build a context need not spell them out.
 */
export const RunContextSchema = CallerContextSchema.extend({
  systemPrompt: z.string().min(1).max(20_000).optional(),
  model: z.string().min(1).max(200).optional(),
  /** Tools offered, narrowing the role's: a name outside it is neither offered nor run. */
  tools: z.array(z.string().max(100)).max(100).optional(),
});
export type RunContext = z.infer<typeof RunContextSchema>;
