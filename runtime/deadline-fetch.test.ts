import { afterEach, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fake-openai/server.js";
import type { FakeReply } from "../fake-openai/types.js";
import { createDeadlineFetch, ModelDeadlineError } from "./deadline-fetch.js";

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(reply: FakeReply, chunkDelayMs = 0): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ responder: () => reply, chunkDelayMs });
  return fake;
}

function post(fetchFn: typeof fetch, server: FakeOpenAI, init: RequestInit = {}, stream = true): Promise<Response> {
  return fetchFn(`${server.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", stream, messages: [{ role: "user", content: "hi" }] }),
    ...init,
  });
}

describe("createDeadlineFetch", () => {
  it("passes a healthy streamed response through whole", async () => {
    const server = await serve({ content: "alpha beta gamma" });
    // Generous limits: this test is about passing a response through, not about timing, and a
    // loaded CI machine can take a few hundred ms to answer a local request.
    const res = await post(createDeadlineFetch({ timeoutMs: 10_000, stallMs: 5_000 }), server);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).toContain("gamma");
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("passes error statuses and their bodies through untouched", async () => {
    const server = await serve({ fault: "rate_limit", retryAfterSeconds: 3 });
    const res = await post(createDeadlineFetch({ timeoutMs: 10_000, stallMs: 5_000 }), server);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await res.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } });
  });

  it("cuts a request whose headers never come after stallMs", async () => {
    const server = await serve({ fault: "hang" });
    const started = Date.now();
    const err = await post(createDeadlineFetch({ timeoutMs: 5000, stallMs: 100 }), server).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDeadlineError);
    expect(err).toMatchObject({ kind: "stall", phase: "headers", limitMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("cuts a stream that goes silent after its first chunk", async () => {
    const server = await serve({ fault: "stall", reply: { content: "first second third" } });
    const res = await post(createDeadlineFetch({ timeoutMs: 5000, stallMs: 100 }), server);
    const started = Date.now();
    const err = await res.text().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDeadlineError);
    expect(err).toMatchObject({ kind: "stall", phase: "body" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("cuts a steadily streaming response at the total deadline", async () => {
    const server = await serve({ content: "w ".repeat(40) }, 20);
    const res = await post(createDeadlineFetch({ timeoutMs: 250, stallMs: 200 }), server);
    const started = Date.now();
    const err = await res.text().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ModelDeadlineError", kind: "deadline", phase: "body", limitMs: 250 });
    expect((err as Error).message).not.toMatch(/timed? ?out/i);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("does not mistake a slow reader for a silent server", async () => {
    const server = await serve({ content: "all of it arrives at once" });
    const res = await post(createDeadlineFetch({ timeoutMs: 5000, stallMs: 150 }), server, {}, false);
    // Reading starts well after stallMs: only the server's silence may count, not the reader's.
    await new Promise((r) => setTimeout(r, 500));
    expect(await res.json()).toMatchObject({ choices: [{ message: { content: "all of it arrives at once" } }] });
  });

  it("aborts with the caller's reason, before headers and mid-stream", async () => {
    const server = await serve({ fault: "hang" });
    const deadlineFetch = createDeadlineFetch({ timeoutMs: 5000, stallMs: 5000 });
    const before = new AbortController();
    setTimeout(() => before.abort(new Error("caller left")), 30);
    await expect(post(deadlineFetch, server, { signal: before.signal })).rejects.toThrow("caller left");

    server.setResponder(() => ({ fault: "stall", reply: { content: "a b c" } }));
    const during = new AbortController();
    const res = await post(deadlineFetch, server, { signal: during.signal });
    setTimeout(() => during.abort(new Error("caller left mid-stream")), 30);
    await expect(res.text()).rejects.toThrow("caller left mid-stream");
  });
});
