import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { ApiError } from "./errors.js";
import type { RunKwargs } from "./run-request.js";

/**
 * A message whose id is already in the thread would replace that message in place (LangGraph's
 * messages reducer), rewriting history the guards never see as new input: callers add messages,
 * they do not edit Keel's. Checked against the state the run starts from, so a fork from an earlier
 * checkpoint (an edited message in a chat UI) may reuse the id of a message that came later.
 */
export async function refuseReusedMessageIds(
  saver: BaseCheckpointSaver,
  threadId: string,
  kwargs: Pick<RunKwargs, "input" | "config">,
): Promise<void> {
  const ids = (kwargs.input?.messages ?? []).flatMap((m) => {
    const id = (m as { id?: unknown }).id;
    return typeof id === "string" && id !== "" ? [id] : [];
  });
  if (ids.length === 0) return;
  const checkpointId = kwargs.config.configurable?.checkpoint_id;
  const tuple = await saver.getTuple({
    configurable: { thread_id: threadId, checkpoint_ns: "", ...(checkpointId ? { checkpoint_id: checkpointId } : {}) },
  });
  const existing = (tuple?.checkpoint.channel_values["messages"] ?? []) as { id?: unknown }[];
  const taken = new Set(existing.map((m) => m.id));
  const reused = ids.find((id) => taken.has(id));
  if (reused !== undefined) {
    throw new ApiError(
      422,
      "invalid_request",
      `input.messages: message id "${reused}" is already in this thread; new messages need new ids (or none).`,
    );
  }
}
