import type { Pool } from "pg";
import { findAssistant, type Assistant } from "./assistants.js";
import { ownedAssistant } from "./assistant-store.js";
import { ApiError } from "./errors.js";
import { isUuid } from "./http.js";

/** Built-in assistants (everyone's, read-only) and the assistant table. */
export interface AssistantSources {
  pool: Pool;
  assistants: readonly Assistant[];
}

/**
 * The assistant a caller may use: a built-in one, by id or graph id, or one of the caller's own.
 * Someone else's is indistinguishable from none, as for threads.
 */
export async function visibleAssistant(
  deps: AssistantSources,
  id: string,
  ownerId: string,
): Promise<Assistant | undefined> {
  const builtIn = findAssistant(deps.assistants, id);
  if (builtIn) return builtIn;
  return isUuid(id) ? ownedAssistant(deps.pool, id, ownerId) : undefined;
}

export const assistantNotFound = (id: string): ApiError =>
  new ApiError(404, "assistant_not_found", `Assistant ${id} not found`);

export async function requireAssistant(deps: AssistantSources, id: string, ownerId: string): Promise<Assistant> {
  const found = await visibleAssistant(deps, id, ownerId);
  if (!found) throw assistantNotFound(id);
  return found;
}

export const isBuiltIn = (deps: Pick<AssistantSources, "assistants">, assistant: Pick<Assistant, "assistant_id">) =>
  deps.assistants.some((a) => a.assistant_id === assistant.assistant_id);
