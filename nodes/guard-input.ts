import { randomUUID } from "node:crypto";
import { AIMessage, type BaseMessage, HumanMessage, RemoveMessage, ToolMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { ZERO_USAGE } from "../runtime/usage.js";
import type { ToolResult } from "../tools/types.js";
import { callerContext, type AgentDeps } from "./deps.js";
import { pendingToolCalls, toolResultMessage } from "./tool-calls.js";
import { messageText } from "./text.js";

export type InputVerdict =
  | { ok: true; added: BaseMessage[] }
  | { ok: false; reason: "missing" | "empty" | "too_long" | "role"; message: string; added: BaseMessage[] };

type AddedState = Pick<AgentStateValue, "messages" | "inputWatermark" | "stopReason" | "threadUsage">;

/**
 * The messages the current request added. Keel writes no human message during a run, and a
 * request's messages are appended after everything the previous run wrote, so:
 * - the previous run ended in finalize (stopReason set), which moved the watermark to its last
 *   message: everything after the watermark is the caller's;
 * - it paused for approval or was cancelled: Keel's own AI and tool messages may follow the
 *   watermark (set by that run's guard_input), and the caller's start at the first human message;
 * - a new thread (no watermark, no model call yet): every message;
 * - no usable watermark otherwise (a thread from before it existed, or summarised away): the
 *   messages after the newest AI message.
 */
export function addedMessages(state: AddedState): BaseMessage[] {
  const { messages } = state;
  if (state.inputWatermark === null && state.threadUsage.modelCalls === 0) return messages;
  const mark = state.inputWatermark === null ? -1 : messages.findIndex((m) => m.id === state.inputWatermark);
  if (mark < 0) return messages.slice(messages.findLastIndex((m) => AIMessage.isInstance(m)) + 1);
  const after = messages.slice(mark + 1);
  if (state.stopReason !== null) return after;
  const first = after.findIndex((m) => HumanMessage.isInstance(m));
  return first < 0 ? [] : after.slice(first);
}

/**
 * Pure shape check of everything the request added: only human messages (a caller-written AI or
 * tool message would put words in the assistant's or a tool's mouth), not empty, not oversized
 * in total (so a long text split over messages is measured whole).
 */
export function checkInput(state: AddedState, maxChars: number): InputVerdict {
  const added = addedMessages(state);
  if (added.length === 0) {
    return { ok: false, reason: "missing", message: "There is no new user message to answer.", added };
  }
  if (added.some((m) => !HumanMessage.isInstance(m))) {
    return {
      ok: false,
      reason: "role",
      message: "Only user messages can be sent; this request also contained assistant, tool or system messages.",
      added,
    };
  }
  const text = added.map(messageText).join("\n\n");
  if (text.trim().length === 0) return { ok: false, reason: "empty", message: "Your message is empty.", added };
  if (text.length > maxChars) {
    return {
      ok: false,
      reason: "too_long",
      message: `Your message has ${text.length} characters; the limit is ${maxChars}. Please shorten it.`,
      added,
    };
  }
  return { ok: true, added };
}

export const INJECTION_REFUSAL =
  "I can't act on that message: it looks like an attempt to override my instructions. Please rephrase your request.";

/**
 * Starts every run: resets per-run counters, refuses unusable input, strips invisible and
 * smuggling characters, and blocks prompt injections in every message the request added (an
 * injection followed by "thanks!" is still an injection). Refused messages are removed from the
 * model's history (so they can't poison later turns) and answered with a refusal.
 */
export function makeGuardInputNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const fresh: AgentStateUpdate = { runUsage: ZERO_USAGE, approvals: {}, stopReason: null, error: null };
    const shape = checkInput(state, deps.limits.maxInputChars);
    const caller = callerContext(config);
    // Calls the previous run left unanswered: it paused for approval (the user wrote instead of
    // deciding) or was cancelled. They are answered before anything else, so no call is left
    // without a result, and none runs on a decision nobody made.
    const before = state.messages.slice(0, state.messages.length - shape.added.length);
    // A client's tool messages (agent-chat-ui writes "Successfully handled tool call." for each call
    // pending when the user types) are never a tool's result: dropped, and the calls answered here.
    const forged = shape.added.length > 0 && state.stopReason === null ? clientToolMessages(before) : [];
    const kept = before.filter((m) => !forged.includes(m));
    const open = shape.added.length > 0 ? pendingToolCalls(kept) : [];
    const gated = new Set(
      open.filter((c) => !c.malformed && deps.engine.registry.needsApproval(c.name, c.args, caller)).map((c) => c.id),
    );
    const answerOpen = (
      words: string | undefined,
    ): Pick<AgentStateUpdate, "approvals"> & { results: BaseMessage[] } => ({
      approvals: Object.fromEntries([...gated].map((id) => [id, "rejected" as const])),
      results: open.map((call) => toolResultMessage(call, notRun(gated.has(call.id), words))),
    });
    const removal = [...forged, ...shape.added].flatMap((m) => (m.id ? [new RemoveMessage({ id: m.id })] : []));
    if (!shape.ok) {
      const { approvals, results } = answerOpen(undefined);
      return refuse({ ...fresh, approvals }, [...removal, ...results], `input_${shape.reason}`, shape.message);
    }

    const texts = shape.added.map(messageText);
    // Each message alone, and all of them together: an order split over messages is seen whole.
    const checks = await Promise.all(texts.map((text) => deps.guards.checkInput(text)));
    const joined = texts.length > 1 ? await deps.guards.checkInput(texts.join("\n\n")) : undefined;
    const findings = [...checks, ...(joined ? [joined] : [])].filter((c) => c.action !== "allow");
    const action = findings.some((c) => c.action === "block") ? "block" : findings.length > 0 ? "flag" : "allow";
    const score = Math.max(0, ...findings.map((c) => c.verdict.score));
    const reasons = [...new Set(findings.flatMap((c) => c.verdict.reasons))];
    if (action === "block") {
      deps.logger.warn(
        { event: "input_blocked", thread_id: caller.threadId, user_id: caller.userId, score, reasons },
        "prompt injection blocked",
      );
      const { approvals, results } = answerOpen(undefined);
      return {
        ...refuse({ ...fresh, approvals }, [...removal, ...results], "input_injection", INJECTION_REFUSAL),
        guardFlags: [{ surface: "user", source: "input", action: "blocked", score, reasons }],
      };
    }
    const update: AgentStateUpdate = { ...fresh, inputWatermark: shape.added.at(-1)!.id ?? null };
    if (action === "flag") {
      deps.logger.warn(
        { event: "input_flagged", thread_id: caller.threadId, user_id: caller.userId, score, reasons },
        "input looks borderline; answered and recorded",
      );
      update.guardFlags = [{ surface: "user", source: "input", action: "flagged", score, reasons }];
    }
    if (open.length > 0) {
      // The results must directly follow the calls: the user's messages move after them (new ids,
      // cleaned text), and the pending calls are rejected with the user's words as the reason.
      const { approvals, results } = answerOpen(checks.map((c) => c.clean).join("\n\n"));
      const moved = checks.map((c) => new HumanMessage({ id: randomUUID(), content: c.clean }));
      return { ...update, approvals, inputWatermark: moved.at(-1)!.id!, messages: [...removal, ...results, ...moved] };
    }
    // Same id: the reducer replaces each message in place with its cleaned text.
    const cleaned = shape.added.flatMap((m, i) =>
      checks[i]!.clean !== texts[i] ? [new HumanMessage({ id: m.id, content: checks[i]!.clean })] : [],
    );
    if (cleaned.length > 0) update.messages = cleaned;
    return update;
  };
}

/**
 * Tool messages after the newest AI message that Keel did not write. Keel's own always carry the
 * structured result as their artifact (the tools node and approve write them); a client's, sent
 * over the API while a run is paused, do not.
 */
function clientToolMessages(messages: readonly BaseMessage[]): BaseMessage[] {
  const ai = messages.findLastIndex((m) => AIMessage.isInstance(m));
  return messages.slice(ai + 1).filter((m) => {
    if (!ToolMessage.isInstance(m)) return false;
    const artifact = m.artifact as { ok?: unknown } | undefined;
    return !(artifact && typeof artifact === "object" && typeof artifact.ok === "boolean");
  });
}

/** Words a reason quotes, at most: the whole message still reaches the model as the user's turn. */
const MAX_REASON_CHARS = 500;

/** The result of a call left pending when the user wrote a new message instead. */
function notRun(gated: boolean, words: string | undefined): ToolResult {
  const said = words?.trim();
  const quoted = said
    ? ` They wrote: "${said.length > MAX_REASON_CHARS ? `${said.slice(0, MAX_REASON_CHARS)}…` : said}"`
    : "";
  return {
    ok: false,
    error: {
      code: "rejected",
      message: gated
        ? `Not approved: the user sent a new message instead of approving this call.${quoted}`
        : "Not run: the user sent a new message before this call ran.",
      retryable: false,
    },
    suggestion: "Do not repeat this call unless the user asks for it again. Answer the user's new message.",
  };
}

function refuse(fresh: AgentStateUpdate, removal: BaseMessage[], code: string, message: string): AgentStateUpdate {
  const answer = new AIMessage({ id: randomUUID(), content: message });
  return {
    ...fresh,
    messages: [...removal, answer],
    inputWatermark: answer.id!,
    stopReason: "refused",
    error: { code, message },
  };
}
