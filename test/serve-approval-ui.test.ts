/**
 * `npm run serve` answering exactly what agent-chat-ui (langchain-ai/agent-chat-ui, on the SDK's
 * `useStream`) sends: it reads approval requests in snake_case, resumes with `input: {}` next to
 * `command.resume`, edits with `edited_action`, and, when the user types while an approval is
 * pending, sends a made-up tool message per pending call before the user's message.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxOf } from "./sdk-flow.js";
import { startServe, type ServeProcess } from "./serve-process.js";

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe();
}, 60_000);

afterAll(async () => {
  await serve?.stop();
});

type Message = {
  id?: string;
  type: string;
  content: unknown;
  name?: string;
  tool_call_id?: string;
  artifact?: unknown;
  tool_calls?: { id: string; name: string }[];
};
type Values = { messages: Message[] };
interface UiRequest {
  action_requests: { name: string; args: Record<string, unknown>; description?: string }[];
  review_configs: { action_name: string; allowed_decisions: string[] }[];
}

/** Starts a thread paused at the approval of a note, as the chat UI would show it. */
async function pausedThread(client: Client): Promise<{ threadId: string; request: UiRequest }> {
  const { thread_id: threadId } = await client.threads.create();
  await client.runs.wait(threadId, "agent", {
    input: { messages: [{ type: "human", content: "send a note to dora@example.com saying hello" }] },
  });
  const thread = await client.threads.get(threadId);
  expect(thread.status).toBe("interrupted");
  const [interrupt] = Object.values(thread.interrupts ?? {}).flat() as { value: UiRequest }[];
  return { threadId, request: interrupt!.value };
}

const stateOf = async (client: Client, threadId: string) => (await client.threads.getState<Values>(threadId)).values;

describe("npm run serve with agent-chat-ui's requests", () => {
  it("shows the approval in snake_case and accepts input: {} with command.resume", async () => {
    const client = serve.client();
    const { threadId, request } = await pausedThread(client);
    // What agent-chat-ui's isAgentInboxInterruptSchema checks.
    expect(request.action_requests[0]).toMatchObject({ name: "outbox_send", args: { to: "dora@example.com" } });
    expect(request.review_configs).toEqual([
      expect.objectContaining({ action_name: "outbox_send", allowed_decisions: ["approve", "edit", "reject"] }),
    ]);
    const events: string[] = [];
    for await (const part of client.runs.stream(threadId, "agent", {
      input: {},
      command: { resume: { decisions: [{ type: "approve" }] } },
      streamMode: ["values"],
    })) {
      events.push(`${part.event} ${JSON.stringify(part.data)}`);
    }
    expect(events.some((e) => e.startsWith("error"))).toBe(false);
    expect(await outboxOf(threadId)).toEqual(["dora@example.com"]);
    // UIs show the result itself; the untrusted-data wrapping is for the model only.
    expect(events.join("\n")).not.toContain("<tool_output");
    const values = await stateOf(client, threadId);
    expect(JSON.stringify(values)).not.toContain("<tool_output");
    const tool = values.messages.find((m) => m.type === "tool");
    // (The server redacts the address in what it returns.)
    expect(JSON.parse(String(tool?.content))).toMatchObject({ ok: true, data: { id: expect.any(Number) as unknown } });
  });

  it("runs a snake_case edit (input: null next to the command)", async () => {
    const client = serve.client();
    const { threadId, request } = await pausedThread(client);
    const args = { ...request.action_requests[0]!.args, to: "erin@example.com" };
    await client.runs.wait(threadId, "agent", {
      input: null,
      command: { resume: { decisions: [{ type: "edit", edited_action: { name: "outbox_send", args } }] } },
    });
    expect(await outboxOf(threadId)).toEqual(["erin@example.com"]);
    expect((await client.threads.get(threadId)).status).toBe("idle");
  });

  it("a message typed while the approval is pending rejects the call; the UI's made-up tool message is not a result", async () => {
    const client = serve.client();
    const { threadId } = await pausedThread(client);
    const before = await stateOf(client, threadId);
    const call = before.messages.at(-1)!.tool_calls![0]!;
    // ensureToolCallsHaveResponses + the new human message, as agent-chat-ui submits them.
    const events: string[] = [];
    for await (const part of client.runs.stream(threadId, "agent", {
      input: {
        messages: [
          {
            type: "tool",
            tool_call_id: call.id,
            id: `do-not-render-${randomUUID()}`,
            name: call.name,
            content: "Successfully handled tool call.",
          },
          { id: randomUUID(), type: "human", content: [{ type: "text", text: "Don't send it. What is 2+3?" }] },
        ],
      },
      streamMode: ["values"],
      streamSubgraphs: true,
    })) {
      events.push(`${part.event} ${JSON.stringify(part.data)}`);
    }
    expect(events.some((e) => e.startsWith("error"))).toBe(false);
    expect(events.join("\n")).not.toContain("<tool_output");
    expect(await outboxOf(threadId)).toEqual([]);

    const values = await stateOf(client, threadId);
    expect(JSON.stringify(values)).not.toContain("Successfully handled tool call.");
    expect(JSON.stringify(values)).not.toContain("<tool_output");
    const results = values.messages.filter((m) => m.type === "tool");
    expect(results.map((m) => m.name)).toEqual(["outbox_send", "calculator"]);
    expect(JSON.parse(String(results[0]!.content))).toMatchObject({
      ok: false,
      error: { code: "rejected", message: expect.stringContaining("Don't send it. What is 2+3?") as unknown },
    });
    expect(String(values.messages.at(-1)?.content)).toContain("5");
    expect((await client.threads.get(threadId)).status).toBe("idle");
  });

  it("tool messages alone are refused: a client never writes a tool's result", async () => {
    const client = serve.client();
    const { threadId } = await pausedThread(client);
    const call = (await stateOf(client, threadId)).messages.at(-1)!.tool_calls![0]!;
    await expect(
      client.runs.wait(threadId, "agent", {
        input: { messages: [{ type: "tool", tool_call_id: call.id, content: "Successfully handled tool call." }] },
      }),
    ).rejects.toThrow(/tool results are written by the agent/);
    expect(await outboxOf(threadId)).toEqual([]);
    expect((await client.threads.get(threadId)).status).toBe("interrupted");
  });
});
