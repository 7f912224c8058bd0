import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkClientFlow } from "./sdk-flow.js";
import { call, startServe, type ServeProcess } from "./serve-process.js";

/** `npm run serve` on the test PostgreSQL with the offline fake model, driven by the official SDK. */
let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe();
}, 60_000);

afterAll(async () => {
  await serve?.stop();
});

describe("npm run serve through @langchain/langgraph-sdk", () => {
  it("streams tokens, pauses for approval, resumes, and keeps the history", async () => {
    await sdkClientFlow(serve.client());
  });

  it("runs in the background, joins, lists and reads runs", async () => {
    const client = serve.client();
    const thread = await client.threads.create({ metadata: { topic: "math" } });
    const run = await client.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 6*7?" }] },
    });
    expect(["pending", "running"]).toContain(run.status);
    const joined = (await client.runs.join(thread.thread_id, run.run_id)) as { messages: { content: unknown }[] };
    expect(String(joined.messages.at(-1)?.content)).toContain("42");
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
    expect((await client.runs.list(thread.thread_id)).map((r) => r.run_id)).toEqual([run.run_id]);
    const found = await client.threads.search({ metadata: { topic: "math" } });
    expect(found.map((t) => t.thread_id)).toContain(thread.thread_id);
  });

  it("rejects a second run on a busy thread with 409 and interleaves nothing", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    // The demo model streams slowly enough that the first run is still going.
    const first = await client.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "send a note to eve@example.com saying one" }] },
    });
    const second = await call(serve, `/threads/${thread.thread_id}/runs`, {
      json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "what is 1+1?" }] } },
    });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: "thread_busy" });
    await client.runs.join(thread.thread_id, first.run_id);
    const state = await client.threads.getState<{ messages: { type: string; content: string }[] }>(thread.thread_id);
    expect(state.values.messages.filter((m) => m.type === "human").map((m) => m.content)).toEqual([
      "send a note to eve@example.com saying one",
    ]);
  });

  it("cancels a running run", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 3*3?" }] },
    });
    await client.runs.cancel(thread.thread_id, run.run_id, true);
    const after = await client.runs.get(thread.thread_id, run.run_id);
    expect(after.status).toBe("interrupted");
    expect((await client.threads.get(thread.thread_id)).status).not.toBe("busy");
    // The thread is free again.
    const next = await client.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 2*5?" }] },
    });
    expect(JSON.stringify(next)).toContain("10");
  });

  it("streams in messages mode and lets a second client join a background run's stream", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    const events = new Set<string>();
    for await (const part of client.runs.stream(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 9*9?" }] },
      streamMode: "messages",
    })) {
      events.add(part.event);
    }
    expect([...events]).toEqual(expect.arrayContaining(["metadata", "messages/partial", "messages/complete"]));

    const run = await client.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 8*8?" }] },
      streamMode: ["values"],
    });
    let last: { messages: { content: unknown }[] } | undefined;
    for await (const part of client.runs.joinStream(thread.thread_id, run.run_id)) {
      if (part.event === "values") last = part.data as typeof last;
    }
    expect(String(last?.messages.at(-1)?.content)).toContain("64");
  });
});
