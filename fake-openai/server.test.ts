import { afterEach, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "./server.js";
import type { FakeReply, Responder } from "./types.js";

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(responder: Responder | FakeReply, extra: { chunkDelayMs?: number } = {}): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ responder: typeof responder === "function" ? responder : () => responder, ...extra });
  return fake;
}

function post(server: FakeOpenAI, body: Record<string, unknown>, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer test" },
    body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hello" }], ...body }),
    ...init,
  });
}

/** Parses an SSE body into its JSON payloads, keeping `[DONE]` as a string. */
function sseEvents(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice("data: ".length))
    .map((data) => (data === "[DONE]" ? data : (JSON.parse(data) as unknown)));
}

interface Chunk {
  id: string;
  choices: {
    delta: {
      content?: string;
      role?: string;
      tool_calls?: { index: number; id?: string; function: { name?: string; arguments?: string } }[];
    };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

describe("fake OpenAI server: answers", () => {
  it("answers a JSON completion with content, usage and a recorded request", async () => {
    const server = await start({ content: "Hello from the fake." });
    const res = await post(server, {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      id: string;
      object: string;
      model: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.object).toBe("chat.completion");
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.model).toBe("fake-model");
    expect(body.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello from the fake." });
    expect(body.choices[0]?.finish_reason).toBe("stop");
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.messages[0]).toEqual({ role: "user", content: "hello" });
  });

  it("estimates prompt tokens from messages and tool schemas, and lets the reply override usage", async () => {
    const server = await start(({ messages }) =>
      messages.length > 1 ? { content: "ok", usage: { prompt_tokens: 1234, completion_tokens: 7 } } : { content: "ok" },
    );
    const usageOf = async (body: Record<string, unknown>) =>
      ((await (await post(server, body)).json()) as { usage: { prompt_tokens: number; completion_tokens: number } })
        .usage;
    const small = await usageOf({});
    const withTools = await usageOf({
      tools: [
        {
          type: "function",
          function: { name: "calculator", description: "x".repeat(400), parameters: { type: "object" } },
        },
      ],
    });
    expect(withTools.prompt_tokens).toBeGreaterThan(small.prompt_tokens + 90);
    const overridden = await usageOf({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
    });
    expect(overridden).toMatchObject({ prompt_tokens: 1234, completion_tokens: 7 });
  });

  it("gives every completion a unique id", async () => {
    const server = await start({ content: "same answer" });
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add(((await (await post(server, {})).json()) as { id: string }).id);
    expect(ids.size).toBe(5);
  });

  it("streams text word by word, with a final usage chunk when include_usage is set", async () => {
    const server = await start({ content: "one two three four" });
    const res = await post(server, { stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1) as Chunk[];
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("one two three four");
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThanOrEqual(4);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.total_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("sends no usage chunk when include_usage is not asked for", async () => {
    const server = await start({ content: "short" });
    const chunks = sseEvents(await (await post(server, { stream: true })).text()).slice(0, -1) as Chunk[];
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });

  it("streams tool calls as OpenAI does: id and name first, arguments over several deltas", async () => {
    const server = await start({
      toolCalls: [
        { id: "call_a", name: "calculator", arguments: { expression: "12*7" } },
        { name: "outbox_send", arguments: { to: "a@example.com", subject: "s", body: "b" } },
      ],
    });
    const chunks = sseEvents(await (await post(server, { stream: true })).text()).slice(0, -1) as Chunk[];
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const first = deltas.filter((d) => d.index === 0);
    expect(first[0]).toMatchObject({ id: "call_a", function: { name: "calculator", arguments: "" } });
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(first.slice(1).every((d) => d.id === undefined && d.function.name === undefined)).toBe(true);
    expect(JSON.parse(first.map((d) => d.function.arguments ?? "").join(""))).toEqual({ expression: "12*7" });
    const second = deltas.filter((d) => d.index === 1);
    expect(second[0]?.id).toMatch(/^call_/);
    expect(JSON.parse(second.map((d) => d.function.arguments ?? "").join(""))).toMatchObject({ to: "a@example.com" });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("sends raw string arguments verbatim, so malformed JSON reaches the client", async () => {
    const server = await start({ toolCalls: [{ name: "calculator", arguments: '{"expression": ' }] });
    const body = (await (await post(server, {})).json()) as {
      choices: {
        message: { content: string | null; tool_calls: { function: { arguments: string } }[] };
        finish_reason: string;
      }[];
    };
    expect(body.choices[0]?.message.content).toBeNull();
    expect(body.choices[0]?.message.tool_calls[0]?.function.arguments).toBe('{"expression": ');
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("passes the call index to the responder and swaps responders", async () => {
    const seen: number[] = [];
    const server = await start((_, { index }) => {
      seen.push(index);
      return { content: `call ${index}` };
    });
    await post(server, {});
    server.setResponder(() => ({ content: "replaced" }));
    const body = (await (await post(server, {})).json()) as { choices: { message: { content: string } }[] };
    expect(seen).toEqual([0]);
    expect(body.choices[0]?.message.content).toBe("replaced");
    expect(server.requests).toHaveLength(2);
  });

  it("lists models, and rejects bad bodies, unknown routes and failing responders without retry bait", async () => {
    const server = await start(() => {
      throw new Error("boom");
    });
    const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as {
      object: string;
      data: { id: string }[];
    };
    expect(models.object).toBe("list");
    expect(models.data.length).toBeGreaterThan(0);
    const bad = await fetch(`${server.baseUrl}/chat/completions`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.baseUrl}/nope`, { method: "POST", body: "{}" })).status).toBe(404);
    const failed = await post(server, {});
    expect(failed.status).toBe(400);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toContain("boom");
  });
});

describe("fake OpenAI server: faults on the wire", () => {
  it("rate_limit answers 429, with retry-after only when given", async () => {
    const server = await start({ fault: "rate_limit" });
    const plain = await post(server, {});
    expect(plain.status).toBe(429);
    expect(plain.headers.get("retry-after")).toBeNull();
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
    server.setResponder(() => ({ fault: "rate_limit", retryAfterSeconds: 2 }));
    const hinted = await post(server, {});
    expect(hinted.status).toBe(429);
    expect(hinted.headers.get("retry-after")).toBe("2");
  });

  it("server_error answers 500 by default or the given 5xx", async () => {
    const server = await start({ fault: "server_error" });
    expect((await post(server, {})).status).toBe(500);
    server.setResponder(() => ({ fault: "server_error", status: 503 }));
    expect((await post(server, {})).status).toBe(503);
  });

  it("bad_request answers the given 4xx and message", async () => {
    const server = await start({ fault: "bad_request", status: 401, message: "no such key" });
    const res = await post(server, {});
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("no such key");
  });

  it("reset destroys the connection without a response", async () => {
    const server = await start({ fault: "reset" });
    await expect(post(server, {})).rejects.toThrow(/fetch failed/);
    expect(server.requests).toHaveLength(1);
  });

  it("hang never sends headers", async () => {
    const server = await start({ fault: "hang" });
    const started = Date.now();
    await expect(post(server, {}, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.requests).toHaveLength(1);
  });

  it("stall sends headers and the first chunks of a stream, then goes silent", async () => {
    const server = await start({ fault: "stall", reply: { content: "first second third" } });
    const res = await post(server, { stream: true });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = "";
    const silent = Symbol("silent");
    for (;;) {
      const next = await Promise.race([
        reader.read(),
        new Promise<typeof silent>((r) => setTimeout(() => r(silent), 150)),
      ]);
      if (next === silent) break;
      if (next.done) throw new Error("stream ended; a stall must never end");
      received += new TextDecoder().decode(next.value);
    }
    expect(received).toContain('"role":"assistant"');
    expect(received).toContain("first");
    expect(received).not.toContain("third");
    expect(received).not.toContain("[DONE]");
    await reader.cancel();
  });

  it("stall without streaming sends headers and then only part of the body", async () => {
    const server = await start({ fault: "stall", reply: { content: "never fully delivered" } });
    const res = await post(server, {});
    expect(res.status).toBe(200);
    await expect(Promise.race([res.text(), new Promise((r) => setTimeout(() => r("silent"), 150))])).resolves.toBe(
      "silent",
    );
  });

  it("close() returns promptly even with hung and stalled connections open", async () => {
    const server = await start((request) =>
      request.stream ? { fault: "stall", reply: { content: "a b c" } } : { fault: "hang" },
    );
    const hung = post(server, {}).catch((err: unknown) => err);
    const stalled = await post(server, { stream: true });
    expect(stalled.status).toBe(200);
    while (server.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await server.close();
    fake = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
  });
});
