// The four implementations of the bench task. Each takes a thread id and a question and returns the
// final answer text; all share one ChatOpenAI configuration and one PostgresSaver.
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatOpenAI } from "@langchain/openai";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { emptyCheckpoint } from "@langchain/langgraph-checkpoint";
import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { ToolNode, toolsCondition } from "@langchain/langgraph/prebuilt";
import {
  createAgent,
  humanInTheLoopMiddleware,
  modelCallLimitMiddleware,
  modelRetryMiddleware,
  piiMiddleware,
  summarizationMiddleware,
  toolCallLimitMiddleware,
  toolRetryMiddleware,
} from "langchain";
import { runTurn, type TurnCaller } from "../../app/turn.js";
import type { Agent } from "../../graphs/agent.js";
import { messageText } from "../../nodes/text.js";
import type { KeelConfig } from "../../runtime/config.js";
import type { Logger } from "../../runtime/logger.js";
import { calculatorTool } from "./task.js";

export interface Implementation {
  name: string;
  turn(threadId: string, question: string): Promise<string>;
}

const thread = (threadId: string) => ({ configurable: { thread_id: threadId } });
const lastText = (messages: BaseMessage[]): string => {
  const last = messages.at(-1);
  return last && AIMessage.isInstance(last) ? messageText(last) : "";
};

/**
 * No LangGraph: load the history from the saver, call the model, run the tool, call the model again,
 * and store the whole message list as one checkpoint per turn through the same PostgresSaver's `put`.
 */
export function naiveLoop(model: ChatOpenAI, saver: PostgresSaver): Implementation {
  const bound = model.bindTools([calculatorTool]);
  return {
    name: "naive loop",
    async turn(threadId, question) {
      const config = { configurable: { thread_id: threadId, checkpoint_ns: "" } };
      const previous = await saver.getTuple(config);
      const stored = previous?.checkpoint.channel_values["messages"] as BaseMessage[] | undefined;
      const messages: BaseMessage[] = [...(stored ?? []), new HumanMessage(question)];
      for (;;) {
        const reply = await bound.invoke(messages);
        messages.push(reply);
        if (!reply.tool_calls?.length) break;
        for (const call of reply.tool_calls) {
          messages.push(await calculatorTool.invoke(call));
        }
      }
      const checkpoint = emptyCheckpoint();
      const version = saver.getNextVersion(previous?.checkpoint.channel_versions["messages"] as number | undefined);
      checkpoint.channel_values = { messages };
      checkpoint.channel_versions = { messages: version };
      const step = (previous?.metadata?.step ?? -1) + 1;
      await saver.put(
        previous?.config ?? config,
        checkpoint,
        { source: "loop", step, parents: {} },
        { messages: version },
      );
      return lastText(messages);
    },
  };
}

/** The textbook graph: agent node + prebuilt ToolNode + toolsCondition, checkpointed like Keel. */
export function bareGraph(model: ChatOpenAI, saver: PostgresSaver): Implementation {
  const bound = model.bindTools([calculatorTool]);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await bound.invoke(state.messages)] }))
    .addNode("tools", new ToolNode([calculatorTool]))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", toolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile({ checkpointer: saver })
    .withConfig({ durability: "sync" });
  return {
    name: "bare LangGraph",
    async turn(threadId, question) {
      const out = await graph.invoke({ messages: [new HumanMessage(question)] }, thread(threadId));
      return lastText(out.messages);
    },
  };
}

/** The middlewares standing in for Keel's features, in the order they are applied. */
export function createAgentMiddlewares(model: ChatOpenAI, config: KeelConfig) {
  return {
    // Approval for side effects; the calculator, like in Keel, runs without it.
    humanInTheLoop: humanInTheLoopMiddleware({ interruptOn: { calculator: false } }),
    // Keel's summarize node, at its triggers (tokens, or more than N messages); it keeps the newest
    // messages by count, which is the bound that applies on these short turns.
    summarization: summarizationMiddleware({
      model,
      trigger: [
        { tokens: config.limits.summarizeAtTokens },
        ...(config.limits.summarizeAtMessages > 0 ? [{ messages: config.limits.summarizeAtMessages + 1 }] : []),
      ],
      keep: { messages: config.limits.keepRecentMessages },
    }),
    // Keel's per-run budgets on model and tool calls.
    modelCallLimit: modelCallLimitMiddleware({ runLimit: config.budgets.run.modelCalls, exitBehavior: "end" }),
    toolCallLimit: toolCallLimitMiddleware({ runLimit: config.budgets.run.toolCalls, exitBehavior: "end" }),
    // Keel's model retries and tool engine retries.
    modelRetry: modelRetryMiddleware({ maxRetries: config.model.retry.maxRetries }),
    toolRetry: toolRetryMiddleware({ maxRetries: 0 }),
    // Keel's PII redaction of input, output and tool results (one PII type here).
    pii: piiMiddleware("email", {
      strategy: "redact",
      applyToInput: true,
      applyToOutput: true,
      applyToToolResults: true,
    }),
  };
}

/** LangChain v1's createAgent with the built-in middlewares that match Keel's features. */
export function langchainAgent(model: ChatOpenAI, saver: PostgresSaver, config: KeelConfig): Implementation {
  const agent = createAgent({
    model,
    tools: [calculatorTool],
    checkpointer: saver,
    middleware: Object.values(createAgentMiddlewares(model, config)),
  });
  return {
    name: "createAgent + middleware",
    async turn(threadId, question) {
      const out = await agent.invoke(
        { messages: [new HumanMessage(question)] },
        { ...thread(threadId), durability: "sync" },
      );
      return lastText(out.messages);
    },
  };
}

const caller = (threadId: string): TurnCaller => ({ threadId, userId: "bench-user", role: "member" });

/**
 * Keel's compiled agent, invoked like the others: one `invoke` with the config and caller context
 * `runTurn` passes, the answer read from the returned state.
 */
export function keelInvoke(agent: Agent): Implementation {
  return {
    name: "Keel",
    async turn(threadId, question) {
      const { userId, role, budget } = caller(threadId);
      const out = await agent.invoke(
        { messages: [new HumanMessage(question)] },
        { ...thread(threadId), context: { userId, role, budget } },
      );
      return lastText(out.messages);
    },
  };
}

/** Keel's whole product path: `runTurn` streams messages and updates, logs steps, re-reads the state. */
export function keelRunTurn(agent: Agent, logger: Logger): Implementation {
  return {
    name: "Keel via runTurn",
    async turn(threadId, question) {
      const outcome = await runTurn(agent, { message: question }, caller(threadId), { logger });
      return outcome.status === "done" ? outcome.answer : `(${outcome.status})`;
    },
  };
}
