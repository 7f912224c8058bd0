import { z } from "zod";
import { BudgetSchema, narrowBudget, type Budget } from "../runtime/budget.js";

/** What an assistant may be configured with; checked whenever one is created or updated. */
export interface AssistantRules {
  /** Models an assistant may name (runtime/config.ts `serve.assistantModels`). */
  models: readonly string[];
  /** Registered tool names; an assistant's `tools` narrows the caller's role's set, never widens it. */
  tools: readonly string[];
}

/** Longest system prompt an assistant may carry: it rides along on every model call. */
export const MAX_SYSTEM_PROMPT_CHARS = 20_000;

/**
 * The settings, in the snake_case the LangGraph API uses for assistant context. Models and tools
 * are enums, so the JSON schema served to Studio (settingsJsonSchema) offers them as choices.
 */
export function settingsSchema(rules: AssistantRules) {
  return z
    .object({
      system_prompt: z.string().min(1).max(MAX_SYSTEM_PROMPT_CHARS).optional(),
      model: z
        .enum(rules.models as [string, ...string[]], {
          error: `must be one of the models this deployment allows: ${rules.models.join(", ")} (MODEL, FALLBACK_MODEL, SERVE_ASSISTANT_MODELS)`,
        })
        .optional(),
      tools: z
        .array(
          z.enum(rules.tools as [string, ...string[]], {
            error: `must be a registered tool: ${rules.tools.join(", ")}`,
          }),
        )
        .max(100)
        .optional(),
      budget: BudgetSchema.strict().optional(),
    })
    .strict();
}

/**
 * What `GET /assistants/{id}/schemas` reports as the context (and configurable) schema: the
 * settings an assistant takes, so Studio's assistant editor offers exactly the fields a save accepts.
 */
export function settingsJsonSchema(rules: AssistantRules): Record<string, unknown> {
  return z.toJSONSchema(settingsSchema(rules), { io: "input", unrepresentable: "any" });
}

export type AssistantSettingsInput = z.infer<ReturnType<typeof settingsSchema>>;

/**
 * `config` as Studio and the SDK send it: the same settings may come under `configurable` (Studio
 * edits an assistant's configurable), nothing else is taken, so a key that would change nothing
 * is a 422 rather than silently stored.
 */
export function assistantConfigSchema(rules: AssistantRules) {
  return z.object({ configurable: settingsSchema(rules).optional() }).strict();
}

/** What a run of the assistant uses, as the graph's run context names it (graphs/state.ts). */
export interface AssistantRunSettings {
  assistant_id: string;
  version: number;
  systemPrompt?: string;
  model?: string;
  tools?: string[];
  budget?: Budget;
}

/**
 * The run settings of a stored assistant: `context` over `config.configurable`. Read from what
 * was validated on save; unknown keys (none should be there) are dropped, not applied.
 */
export function runSettingsOf(assistant: {
  assistant_id: string;
  version: number;
  config: Record<string, unknown>;
  context: Record<string, unknown>;
}): AssistantRunSettings {
  const configurable = (assistant.config.configurable ?? {}) as AssistantSettingsInput;
  const merged = { ...configurable, ...(assistant.context as AssistantSettingsInput) };
  return {
    assistant_id: assistant.assistant_id,
    version: assistant.version,
    ...(merged.system_prompt === undefined ? {} : { systemPrompt: merged.system_prompt }),
    ...(merged.model === undefined ? {} : { model: merged.model }),
    ...(merged.tools === undefined ? {} : { tools: [...merged.tools] }),
    ...(merged.budget === undefined ? {} : { budget: merged.budget }),
  };
}

/** A run's budget: the assistant's, narrowed further by the request's own (each only narrows). */
export function runBudget(assistant: Budget | undefined, request: Budget | undefined): Budget | undefined {
  if (!assistant) return request;
  return narrowBudget(assistant, request);
}
