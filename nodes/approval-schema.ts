import { z } from "zod";
import { formatIssues } from "../runtime/errors.js";

/**
 * The human-in-the-loop contract, in the same shape as LangChain v1's HITL middleware so
 * existing UIs render it: the interrupt carries `actionRequests` + `reviewConfigs`, and the same
 * in snake_case (`action_requests` + `review_configs`, as the Python middleware and agent-chat-ui
 * spell them); a resume carries one decision per action request, in order, in either casing.
 */
export const DECISION_TYPES = ["approve", "edit", "reject"] as const;

export interface ActionRequest {
  name: string;
  args: Record<string, unknown>;
  description?: string;
}

export interface ReviewConfig {
  actionName: string;
  allowedDecisions: (typeof DECISION_TYPES)[number][];
  argsSchema?: Record<string, unknown>;
}

/** `ReviewConfig` as agent-chat-ui reads it. */
export interface SnakeReviewConfig {
  action_name: string;
  allowed_decisions: (typeof DECISION_TYPES)[number][];
  args_schema?: Record<string, unknown>;
}

export interface HITLRequest {
  actionRequests: ActionRequest[];
  reviewConfigs: ReviewConfig[];
  /** The same requests and configs in snake_case. */
  action_requests: ActionRequest[];
  review_configs: SnakeReviewConfig[];
  /** Present when the previous resume value was unusable: why it was refused. */
  error?: string;
  /**
   * Sources (`tool:call_id`) of tool output from this run that the guard flagged as a possible
   * prompt injection: the calls to review may have been asked for by that content. Sent in both
   * casings, since agent-chat-ui reads the request in snake_case.
   */
  flaggedToolOutput?: string[];
  flagged_tool_output?: string[];
}

export const DecisionSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("approve") }),
  z.object({
    type: z.literal("edit"),
    editedAction: z.object({ name: z.string().min(1), args: z.record(z.string(), z.unknown()) }),
  }),
  z.object({ type: z.literal("reject"), message: z.string().max(2_000).optional() }),
]);
export type Decision = z.infer<typeof DecisionSchema>;

/** `edited_action` (snake_case, as agent-chat-ui sends it) is read as `editedAction`. */
function camelDecision(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const { edited_action, ...rest } = value as Record<string, unknown>;
  if (edited_action === undefined || "editedAction" in rest) return value;
  return { ...rest, editedAction: edited_action };
}

export const HITLResponseSchema = z.object({ decisions: z.array(z.preprocess(camelDecision, DecisionSchema)) });
export type HITLResponse = z.infer<typeof HITLResponseSchema>;

/**
 * Validate a resume value against the request it answers; returns an error text or the decisions.
 * With `partial`, fewer decisions than calls (at least one) answer the first calls, in order:
 * agent-chat-ui shows and answers only `action_requests[0]`; the rest are asked for again.
 */
export function parseHITLResponse(
  value: unknown,
  request: Pick<HITLRequest, "actionRequests">,
  options: { partial?: boolean } = {},
): { ok: true; decisions: Decision[] } | { ok: false; error: string } {
  const parsed = HITLResponseSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      error: `Resume with {decisions: [...]}: ${formatIssues(parsed.error.issues)}`,
    };
  }
  const { decisions } = parsed.data;
  const fewer = options.partial && decisions.length > 0 && decisions.length < request.actionRequests.length;
  if (decisions.length !== request.actionRequests.length && !fewer) {
    return { ok: false, error: `Expected ${request.actionRequests.length} decisions, got ${decisions.length}.` };
  }
  for (const [i, decision] of decisions.entries()) {
    const action = request.actionRequests[i]!;
    if (decision.type === "edit" && decision.editedAction.name !== action.name) {
      return {
        ok: false,
        error: `Decision ${i} edits "${action.name}" into "${decision.editedAction.name}"; an edit may change arguments only.`,
      };
    }
  }
  return { ok: true, decisions };
}
