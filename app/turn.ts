import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Command } from "@langchain/langgraph";
import type { AgentStateValue, StopReason } from "../graphs/state.js";
import type { Agent } from "../graphs/agent.js";
import type { HITLRequest, HITLResponse } from "../nodes/approval-schema.js";
import { messageText } from "../nodes/text.js";
import { KeelError } from "../runtime/errors.js";
import type { Budget } from "../runtime/budget.js";
import type { Logger } from "../runtime/logger.js";
import { createStepLogger } from "../runtime/step-log.js";
import type { Usage } from "../runtime/usage.js";
import type { ToolResult } from "../tools/types.js";

export interface TurnCaller {
  threadId: string;
  userId: string;
  role: "viewer" | "member" | "admin";
  /** Per-request run budget; narrows the configured one. */
  budget?: Budget;
}

export interface TurnEvents {
  onToken?: (text: string) => void;
  onToolCall?: (call: { id: string; name: string; args: Record<string, unknown> }) => void;
  onToolResult?: (result: { id: string; name: string; result: ToolResult }) => void;
}

export type TurnOutcome =
  | { status: "interrupted"; threadId: string; request: HITLRequest; usage: Usage; threadUsage: Usage }
  | {
      status: "done";
      threadId: string;
      answer: string;
      stopReason: StopReason;
      error: { code: string; message: string } | null;
      usage: Usage;
      threadUsage: Usage;
    };

/** A new user message, or the human's decisions for a paused run. */
export type TurnInput = { message: string } | { resume: HITLResponse };

/**
 * A run's callbacks: the step logger (one log line per node) and, given a `Tracing`, its tracer
 * when tracing is on. Pass the tracer here rather than nowhere: with a LangChainTracer present,
 * LangChain adds no default tracer of its own, which would send unredacted payloads.
 */
export function runCallbacks(
  logger: Logger,
  tracing?: { callbacks: readonly BaseCallbackHandler[] },
): BaseCallbackHandler[] {
  // Step lines are info lines: below that level the logger would drop them, so no callback is added
  // (any handler makes LangChain build run managers for every runnable of every step).
  const steps = logger.isLevelEnabled("info") ? [createStepLogger(logger)] : [];
  return [...steps, ...(tracing?.callbacks ?? [])];
}

/** How a run is named, tagged and described in traces and in every step's callback metadata. */
export function traceMetadata(caller: Pick<TurnCaller, "threadId" | "userId" | "role">): {
  runName: string;
  tags: string[];
  metadata: { thread_id: string; user_id: string; role: TurnCaller["role"] };
} {
  return {
    runName: "keel-turn",
    tags: ["keel", caller.role],
    metadata: { thread_id: caller.threadId, user_id: caller.userId, role: caller.role },
  };
}

/** Runs one turn to its end or to an approval pause, streaming tokens and tool activity. */
export interface TurnOptions {
  events?: TurnEvents;
  signal?: AbortSignal;
  /** The redacting logger: every node execution then logs one `step` line through it. */
  logger?: Logger;
  /** More run callbacks, e.g. the redacting LangSmith tracer (`tracing.callbacks`). */
  callbacks?: BaseCallbackHandler[];
}

export async function runTurn(
  agent: Agent,
  input: TurnInput,
  caller: TurnCaller,
  { events = {}, signal, logger, callbacks = [] }: TurnOptions = {},
): Promise<TurnOutcome> {
  const config = {
    configurable: { thread_id: caller.threadId },
    context: { userId: caller.userId, role: caller.role, budget: caller.budget },
  };
  const options = {
    ...config,
    streamMode: ["messages", "updates"] as ("messages" | "updates")[],
    signal,
    callbacks: logger ? runCallbacks(logger, { callbacks }) : callbacks,
    ...traceMetadata(caller),
  };
  const stream =
    "message" in input
      ? await agent.stream({ messages: [new HumanMessage(input.message)] }, options)
      : await agent.stream(new Command({ resume: input.resume }), options);
  for await (const [mode, chunk] of stream) {
    if (mode === "messages") {
      const [message, meta] = chunk as [unknown, { langgraph_node?: string }];
      if (meta.langgraph_node === "plan" && AIMessageChunk.isInstance(message as AIMessageChunk)) {
        const text = messageText(message as AIMessageChunk);
        if (text) events.onToken?.(text);
      }
    } else if (mode === "updates") {
      for (const update of Object.values(chunk as Record<string, { messages?: unknown[] } | undefined>)) {
        for (const m of update?.messages ?? []) {
          if (AIMessage.isInstance(m as AIMessage)) {
            for (const call of (m as AIMessage).tool_calls ?? [])
              events.onToolCall?.({ id: call.id ?? "", name: call.name, args: call.args });
          } else if (ToolMessage.isInstance(m as ToolMessage)) {
            const tm = m as ToolMessage;
            events.onToolResult?.({ id: tm.tool_call_id, name: tm.name ?? "", result: tm.artifact as ToolResult });
          }
        }
      }
    }
  }
  return readOutcome(agent, caller.threadId);
}

/** Where a thread stands now: paused for approval, or finished with an answer. */
export async function readOutcome(agent: Agent, threadId: string): Promise<TurnOutcome> {
  const snapshot = await agent.getState({ configurable: { thread_id: threadId } });
  const values = snapshot.values as Partial<AgentStateValue>;
  const usage = values.runUsage!;
  const threadUsage = values.threadUsage!;
  const pending = snapshot.tasks.flatMap((task) => task.interrupts);
  if (pending.length > 0) {
    return { status: "interrupted", threadId, request: pending.at(-1)!.value as HITLRequest, usage, threadUsage };
  }
  const last = values.messages?.at(-1);
  return {
    status: "done",
    threadId,
    answer: last && AIMessage.isInstance(last) ? messageText(last) : "",
    stopReason: values.stopReason ?? "answer",
    error: values.error ?? null,
    usage,
    threadUsage,
  };
}

/** Unknown thread ids are an error, not a silently created new conversation. */
export async function assertThreadExists(agent: Agent, threadId: string): Promise<void> {
  const snapshot = await agent.getState({ configurable: { thread_id: threadId } });
  if (!snapshot.config.configurable?.checkpoint_id) {
    throw new KeelError(
      "thread_not_found",
      `No conversation with thread id "${threadId}". Start a new one without --thread.`,
    );
  }
}
