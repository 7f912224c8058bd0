import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, START, StateGraph } from "@langchain/langgraph";
import { callerContext, type AgentDeps } from "../nodes/deps.js";
import { makeApproveNode } from "../nodes/approve.js";
import { makeFinalizeNode } from "../nodes/finalize.js";
import { makeGuardInputNode } from "../nodes/guard-input.js";
import { makePlanNode } from "../nodes/plan.js";
import { makeSummarizeNode } from "../nodes/summarize.js";
import { makeToolsNode } from "../nodes/tools.js";
import { recursionLimitFor } from "../runtime/budget.js";
import { estimateTextTokens } from "../runtime/tokens.js";
import { routeAfterApprove, routeAfterGuard, routeAfterPlan, routeAfterTools } from "./routing.js";
import { AgentInput, AgentState, CallerContextSchema } from "./state.js";

/**
 * The agent, wired in one place:
 *   guard_input → (summarize) → plan → [approve] → tools → (summarize) → plan … → finalize
 * Guards, budgets, cost and permissions are function calls inside nodes, not nodes of their own,
 * so a turn costs few checkpointed super-steps.
 */
export function buildAgentGraph(deps: AgentDeps) {
  const limits = { summarizeAtTokens: messageBudget(deps), summarizeAtMessages: deps.limits.summarizeAtMessages };
  return new StateGraph(AgentState, { input: AgentInput, context: CallerContextSchema })
    .addNode("guard_input", makeGuardInputNode(deps))
    .addNode("summarize", makeSummarizeNode(deps))
    .addNode("plan", makePlanNode(deps))
    .addNode("approve", makeApproveNode(deps))
    .addNode("tools", makeToolsNode(deps))
    .addNode("finalize", makeFinalizeNode(deps))
    .addEdge(START, "guard_input")
    .addConditionalEdges("guard_input", (s) => routeAfterGuard(s, limits), ["finalize", "summarize", "plan"])
    .addEdge("summarize", "plan")
    .addConditionalEdges(
      "plan",
      (s, config) =>
        routeAfterPlan(s, (name, args) => deps.engine.registry.needsApproval(name, args, callerContext(config))),
      ["finalize", "approve", "tools"],
    )
    .addConditionalEdges("approve", routeAfterApprove, ["tools", "plan"])
    .addConditionalEdges("tools", (s) => routeAfterTools(s, limits), ["finalize", "summarize", "plan"])
    .addEdge("finalize", END);
}

/**
 * Tokens the messages may use before summarizing: the trigger minus what every request carries
 * anyway (system prompt, tool schemas), never less than a quarter of the trigger.
 */
function messageBudget(deps: AgentDeps): number {
  const fixed = estimateTextTokens(deps.systemPrompt + JSON.stringify(deps.engine.registry.specsFor("admin")));
  return Math.max(Math.floor(deps.limits.summarizeAtTokens / 4), deps.limits.summarizeAtTokens - fixed);
}

/**
 * The agent as every front end runs it (CLI, server, `langgraph.json`). Each step's checkpoint is
 * written before the next step starts (`durability: "sync"`), so a process that dies mid-run loses
 * at most the step in flight and its replacement resumes from there; the default ("async") can leave
 * a killed run with none at all. The recursion limit comes from the budgets, so a budget always ends
 * the run (in finalize, with its stop reason) before LangGraph's limit can; a caller's own, lower
 * `recursionLimit` is honoured by the plan node as one more step budget. Without a checkpointer
 * (`langgraphjs dev`, LangGraph Platform) the server brings its own.
 */
export function compileAgent(deps: AgentDeps, checkpointer?: BaseCheckpointSaver) {
  return buildAgentGraph(deps)
    .compile({ checkpointer, name: "agent" })
    .withConfig({ durability: "sync", recursionLimit: recursionLimitFor(deps.budgets.run) });
}

export type Agent = ReturnType<typeof compileAgent>;
