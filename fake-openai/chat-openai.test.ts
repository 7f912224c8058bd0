import { AIMessage, HumanMessage, ToolMessage, type AIMessageChunk } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { demoResponder } from "./demo.js";
import { malformedToolCall, say, script, unknownToolCall } from "./script.js";
import { startFakeOpenAI, type FakeOpenAI } from "./server.js";
import type { FakeReply, Responder } from "./types.js";

// A real ChatOpenAI over HTTP. Streaming goes through `.stream()`: a streaming `.invoke()` without
// a callback makes ChatOpenAI download a tokenizer from the internet (runtime/model.ts avoids it).

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(responder: Responder | FakeReply, fields: { timeout?: number } = {}) {
  fake = await startFakeOpenAI({ responder: typeof responder === "function" ? responder : () => responder });
  const model = new ChatOpenAI({
    model: "fake-model",
    apiKey: "test",
    maxRetries: 0,
    configuration: { baseURL: fake.baseUrl },
    ...fields,
  });
  return { server: fake, model };
}

async function collect(
  stream: AsyncIterable<AIMessageChunk>,
): Promise<{ chunks: AIMessageChunk[]; merged: AIMessageChunk }> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const merged = chunks.reduce((a, b) => a.concat(b));
  return { chunks, merged };
}

const calculatorTool = {
  type: "function" as const,
  function: {
    name: "calculator",
    description: "Evaluate arithmetic",
    parameters: { type: "object", properties: { expression: { type: "string" } } },
  },
};

describe("fake OpenAI server driven by ChatOpenAI", () => {
  it("answers a JSON completion with usage and a unique id per call", async () => {
    const { model, server } = await setup({
      content: "Plain answer.",
      usage: { prompt_tokens: 11, completion_tokens: 3 },
    });
    const first = await model.invoke("hello");
    const second = await model.invoke("hello");
    expect(first.content).toBe("Plain answer.");
    expect(first.usage_metadata).toMatchObject({ input_tokens: 11, output_tokens: 3, total_tokens: 14 });
    expect(first.id).toMatch(/^chatcmpl-/);
    expect(second.id).not.toBe(first.id);
    expect(server.requests[0]?.stream).toBeFalsy();
  });

  it("streams tokens in several chunks and reports usage at the end", async () => {
    const { model, server } = await setup({ content: "one two three four five" });
    const { chunks, merged } = await collect(await model.stream("hello", { stream_options: { include_usage: true } }));
    expect(chunks.filter((c) => typeof c.content === "string" && c.content.length > 0).length).toBeGreaterThanOrEqual(
      5,
    );
    expect(merged.content).toBe("one two three four five");
    expect(merged.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(server.requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("streams a tool call that ChatOpenAI reassembles with its id and parsed arguments", async () => {
    const { model, server } = await setup({
      toolCalls: [{ id: "call_calc", name: "calculator", arguments: { expression: "12*7" } }],
    });
    const { merged } = await collect(await model.stream("what is 12*7?", { tools: [calculatorTool] }));
    expect(merged.tool_calls).toEqual([
      expect.objectContaining({ id: "call_calc", name: "calculator", args: { expression: "12*7" } }),
    ]);
    expect(server.requests[0]?.tools?.[0]?.function?.name).toBe("calculator");
  });

  it("delivers malformed arguments as an invalid tool call and unknown tools by name", async () => {
    const { model } = await setup(script(malformedToolCall(), unknownToolCall("no_such_tool")));
    const malformed = await model.invoke("x", { tools: [calculatorTool] });
    expect(malformed.tool_calls).toEqual([]);
    expect(malformed.invalid_tool_calls?.[0]).toMatchObject({ name: "calculator", args: '{"expression": ' });
    const unknown = await model.invoke("x", { tools: [calculatorTool] });
    expect(unknown.tool_calls?.[0]?.name).toBe("no_such_tool");
  });

  it.each([
    ["429 without retry-after", { fault: "rate_limit" }, 429],
    ["429 with retry-after", { fault: "rate_limit", retryAfterSeconds: 120 }, 429],
    ["503", { fault: "server_error", status: 503 }, 503],
    ["400", { fault: "bad_request" }, 400],
    ["401", { fault: "bad_request", status: 401 }, 401],
  ] satisfies [string, FakeReply, number][])(
    "surfaces %s as an error with that status",
    async (_label, fault, status) => {
      const { model, server } = await setup(fault);
      await expect(model.invoke("hello")).rejects.toMatchObject({ status });
      expect(server.requests).toHaveLength(1);
    },
  );

  it("surfaces a reset as a connection error whose cause chain names ECONNRESET", async () => {
    const { model } = await setup({ fault: "reset" });
    const err = (await model.invoke("hello").catch((e: unknown) => e)) as Error & {
      cause?: { cause?: { code?: string } };
    };
    expect(err.constructor.name).toBe("APIConnectionError");
    expect(err.cause?.cause?.code).toBe("ECONNRESET");
  });

  it("reports an exhausted script as a 400 naming the script length", async () => {
    const { model } = await setup(script(say("only one")));
    await model.invoke("first");
    await expect(model.invoke("second")).rejects.toThrow(/fake script exhausted after 1 calls/);
  });

  it("ChatOpenAI's own timeout cuts a hang before headers", async () => {
    const { model } = await setup({ fault: "hang" }, { timeout: 150 });
    const started = Date.now();
    await expect(model.invoke("hello")).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("ChatOpenAI's own timeout does not cut a stream stalled after its first chunk (why Keel has deadline-fetch)", async () => {
    const { model } = await setup({ fault: "stall", reply: { content: "first second third" } }, { timeout: 100 });
    const stream = await model.stream("hello");
    const first = await stream[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
    const rest = collect(stream).catch((err: unknown) => err);
    const outcome = await Promise.race([
      rest.then(() => "ended"),
      new Promise((r) => setTimeout(() => r("still stalled"), 400)),
    ]);
    expect(outcome).toBe("still stalled");
    await fake?.close(); // releases the stalled stream
    fake = undefined;
    await rest;
  });
});

describe("offline demo responder through ChatOpenAI", () => {
  it("calls the calculator for 12*7, then answers from the tool result", async () => {
    const { model, server } = await setup(demoResponder);
    const call = await model.invoke([new HumanMessage("what is 12*7?")], { tools: [calculatorTool] });
    expect(call.tool_calls?.[0]).toMatchObject({ name: "calculator", args: { expression: "12*7" } });
    const toolCallId = call.tool_calls?.[0]?.id ?? "";
    const answer = await model.invoke(
      [
        new HumanMessage("what is 12*7?"),
        new AIMessage({ content: "", tool_calls: call.tool_calls ?? [] }),
        new ToolMessage({
          tool_call_id: toolCallId,
          content: '<data>{"ok":true,"data":{"expression":"12*7","result":84}}</data>',
        }),
      ],
      { tools: [calculatorTool] },
    );
    expect(answer.content).toContain("84");
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(server.requests.at(-1)?.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: toolCallId });
  });
});
