/**
 * The client flow a front end runs, through the official SDK, shared by the tests of `npm run serve`
 * and of `langgraphjs dev`: stream tokens, hit an approval, resume it, read the history.
 */
import type { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { expect, inject } from "vitest";

type Message = { type: string; content: unknown };
type Values = { messages: Message[]; stopReason: string | null };

/** Addresses queued by outbox_send for a thread, oldest first (in the run's shared test database by default). */
export async function outboxOf(threadId: string, databaseUrl = inject("databaseUrl")): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ to_address: string }>(
      "SELECT to_address FROM keel_outbox WHERE thread_id = $1 ORDER BY id",
      [threadId],
    );
    return rows.map((r) => r.to_address);
  } finally {
    await pool.end();
  }
}

export async function sdkClientFlow(client: Client): Promise<{ threadId: string }> {
  const thread = await client.threads.create();
  const threadId = thread.thread_id;

  // 1. Stream tokens, node updates and values.
  const tokens: string[] = [];
  const updatedNodes = new Set<string>();
  let runId: string | undefined;
  let lastValues: Values | undefined;
  for await (const part of client.runs.stream(threadId, "agent", {
    input: { messages: [{ role: "user", content: "what is 12*7?" }] },
    streamMode: ["messages-tuple", "updates", "values"],
  })) {
    if (part.event === "metadata") runId = (part.data as { run_id: string }).run_id;
    if (part.event === "messages") {
      const [chunk] = part.data as [{ content?: unknown }, unknown];
      if (typeof chunk.content === "string" && chunk.content) tokens.push(chunk.content);
    }
    if (part.event === "updates") for (const node of Object.keys(part.data)) updatedNodes.add(node);
    if (part.event === "values") lastValues = part.data as Values;
  }
  expect(runId).toMatch(/^[0-9a-f-]{36}$/);
  expect(tokens.length).toBeGreaterThan(1);
  expect(tokens.join("")).toContain("84");
  expect([...updatedNodes]).toEqual(expect.arrayContaining(["guard_input", "plan", "tools", "finalize"]));
  expect(lastValues?.stopReason).toBe("answer");

  // 2. A side effect pauses for approval.
  await client.runs.wait(threadId, "agent", {
    input: { messages: [{ role: "user", content: "send a note to dora@example.com saying hello" }] },
  });
  const paused = await client.threads.get(threadId);
  expect(paused.status).toBe("interrupted");
  const interrupts = Object.values(paused.interrupts ?? {}).flat() as {
    value: { actionRequests: { name: string; args: { to?: string } }[] };
  }[];
  expect(interrupts[0]?.value.actionRequests[0]).toMatchObject({
    name: "outbox_send",
    args: { to: "dora@example.com" },
  });
  expect(await outboxOf(threadId)).toEqual([]);

  // 3. Resume with the HITL decision.
  const resumed = (await client.runs.wait(threadId, "agent", {
    command: { resume: { decisions: [{ type: "approve" }] } },
  })) as Values;
  expect(String(resumed.messages.at(-1)?.content)).toContain("queued");
  expect(await outboxOf(threadId)).toEqual(["dora@example.com"]);
  expect((await client.threads.get(threadId)).status).toBe("idle");

  // 4. History: newest first, back through the pause to the first message.
  const history = await client.threads.getHistory<Values>(threadId, { limit: 100 });
  expect(history.length).toBeGreaterThan(5);
  expect(history[0]?.values.messages.length).toBeGreaterThan(history.at(-1)?.values.messages?.length ?? 0);
  expect(history.some((h) => h.next.includes("approve"))).toBe(true);
  const firstHuman = history.at(-2)?.values.messages?.find((m) => m.type === "human");
  expect(firstHuman?.content).toBe("what is 12*7?");
  return { threadId };
}
