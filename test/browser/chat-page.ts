/**
 * The smallest chat page a front end builds on the official SDK's React `useStream`, for the
 * headless-browser test: it chats, shows an approval card when the agent pauses, and resumes it the
 * way agent-chat-ui does (`submit({}, { command: { resume } })`). Bundled by chat.browser.test.ts;
 * reads `apiUrl`, `apiKey` and `threadId` from its URL query and writes a new thread's id back.
 */
import type { Message } from "@langchain/langgraph-sdk";
import { useStream } from "@langchain/langgraph-sdk/react";
import { createElement as h, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";

// The few browser globals the page touches, typed here so the repo's Node-only tsconfig needs no DOM lib.
declare const document: { getElementById(id: string): Element | null };
declare const location: { search: string; href: string };
declare const history: { replaceState(data: unknown, unused: string, url: string): void };

/** An approval request as agent-chat-ui reads it (Keel sends the same in camelCase too). */
interface ApprovalRequest {
  action_requests: { name: string; args: Record<string, unknown>; description?: string }[];
  review_configs: { action_name: string; allowed_decisions: string[] }[];
}

type Decision = { type: "approve" } | { type: "reject"; message: string };

function isApprovalRequest(value: unknown): value is ApprovalRequest {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as ApprovalRequest).action_requests) &&
    Array.isArray((value as ApprovalRequest).review_configs)
  );
}

function textOf(content: Message["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
}

const query = new URLSearchParams(location.search);
const apiUrl = query.get("apiUrl") ?? "";
const apiKey = query.get("apiKey") ?? "";

function ChatPage(): ReactNode {
  const [threadId, setThreadId] = useState<string | null>(query.get("threadId"));
  const [draft, setDraft] = useState("");
  const stream = useStream<{ messages: Message[] }, { InterruptType: ApprovalRequest }>({
    apiUrl,
    assistantId: "agent",
    defaultHeaders: { "x-api-key": apiKey },
    messagesKey: "messages",
    // As agent-chat-ui sets it: the thread's history is refetched after each run. Without it (the
    // SDK's default), an approval loaded from the server's state outlives the run that answers it.
    fetchStateHistory: true,
    threadId,
    onThreadId: (id) => {
      setThreadId(id);
      // Keep the thread in the URL, so a reload shows the same conversation.
      const url = new URL(location.href);
      url.searchParams.set("threadId", id);
      history.replaceState(null, "", url.toString());
    },
  });

  const request = stream.interrupt?.value;
  const resume = (decide: (name: string) => Decision) => {
    if (!isApprovalRequest(request)) return;
    const decisions = request.action_requests.map((action) => decide(action.name));
    void stream.submit({}, { command: { resume: { decisions } } });
  };
  const send = () => {
    const content = draft.trim();
    if (!content) return;
    setDraft("");
    void stream.submit({ messages: [{ type: "human", content }] });
  };

  return h(
    "main",
    null,
    h("h1", null, "Keel chat"),
    h("p", { "data-testid": "thread-id" }, threadId ?? ""),
    h(
      "ol",
      { "data-testid": "messages" },
      stream.messages.map((message, i) =>
        h(
          "li",
          {
            key: message.id ?? `${message.type}-${i}`,
            "data-testid": "message",
            "data-type": message.type,
            "data-name": message.type === "tool" ? message.name : undefined,
          },
          h("b", null, `${message.type}: `),
          textOf(message.content),
          message.type === "ai" && message.tool_calls?.length
            ? h("i", null, ` [calls ${message.tool_calls.map((c) => c.name).join(", ")}]`)
            : null,
        ),
      ),
    ),
    stream.isLoading ? h("p", { "data-testid": "loading" }, "Working…") : null,
    stream.error ? h("p", { "data-testid": "error", role: "alert" }, errorText(stream.error)) : null,
    isApprovalRequest(request) && !stream.isLoading
      ? h(
          "section",
          { "data-testid": "approval" },
          h("h2", null, "Approval needed"),
          h(
            "ul",
            null,
            request.action_requests.map((action, i) =>
              h("li", { key: i, "data-testid": "action-name" }, action.name, " ", JSON.stringify(action.args)),
            ),
          ),
          h("button", { type: "button", onClick: () => resume(() => ({ type: "approve" })) }, "Approve"),
          h(
            "button",
            {
              type: "button",
              onClick: () => resume(() => ({ type: "reject", message: "Rejected in the browser test." })),
            },
            "Reject",
          ),
        )
      : null,
    h(
      "form",
      {
        onSubmit: (e) => {
          e.preventDefault();
          send();
        },
      },
      h("input", {
        "aria-label": "Message",
        value: draft,
        onChange: (e) => setDraft((e.currentTarget as unknown as { value: string }).value),
      }),
      h("button", { type: "submit", disabled: stream.isLoading }, "Send"),
    ),
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("chat-page: no #root element");
createRoot(root).render(h(ChatPage));
