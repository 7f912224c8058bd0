import { AIMessage, AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { afterEach, describe, expect, it, vi } from "vitest";
import { say, script } from "../fake-openai/script.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fake-openai/server.js";
import type { FakeReply, Responder } from "../fake-openai/types.js";
import { isKeelError, type KeelError } from "./errors.js";
import { createChatModel, ModelClient, type ModelConfig, type ModelRetryEvent } from "./model.js";
import { DEFAULT_PRICES } from "./pricing.js";

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await fake?.close();
  fake = undefined;
});

function modelConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    apiKey: "test",
    baseUrl: undefined,
    name: "primary-model",
    fallbackName: undefined,
    temperature: 0,
    timeoutMs: 3000,
    stallMs: 150,
    retry: { maxRetries: 3, baseMs: 5, maxMs: 20 },
    prices: DEFAULT_PRICES,
    offline: false,
    ...over,
  };
}

async function setup(responder: Responder, cfg: Partial<ModelConfig> = {}) {
  fake = await startFakeOpenAI({ responder });
  const retries: ModelRetryEvent[] = [];
  const client = new ModelClient(modelConfig(cfg), { baseUrl: fake.baseUrl });
  const ask = (options: Parameters<ModelClient["invoke"]>[1] = {}) =>
    client.invoke([new HumanMessage("hello")], { onRetry: (event) => retries.push(event), ...options });
  return { server: fake, client, ask, retries };
}

async function failure(promise: Promise<unknown>): Promise<KeelError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isKeelError(err)) throw new Error(`expected a KeelError, got ${String(err)}`);
  return err;
}

const answer = say("All good.");
const models = (server: FakeOpenAI) => server.requests.map((r) => r.model);

describe("ModelClient: a healthy call", () => {
  it("returns a plain AIMessage with usage, metadata and tool calls, streaming with usage", async () => {
    const { ask, server } = await setup(
      script({
        content: "Let me compute.",
        toolCalls: [{ id: "call_1", name: "calculator", arguments: { expression: "2+2" } }],
        usage: { prompt_tokens: 21, completion_tokens: 9 },
      }),
    );
    const reply = await ask({
      tools: [
        {
          name: "calculator",
          description: "math",
          parameters: { type: "object", properties: { expression: { type: "string" } } },
        },
      ],
    });
    expect(AIMessage.isInstance(reply)).toBe(true);
    expect(AIMessageChunk.isInstance(reply)).toBe(false);
    expect(reply.content).toBe("Let me compute.");
    expect(reply.tool_calls).toEqual([
      expect.objectContaining({ id: "call_1", name: "calculator", args: { expression: "2+2" } }),
    ]);
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
    expect(reply.response_metadata).toMatchObject({ model_name: "primary-model", finish_reason: "tool_calls" });
    expect(server.requests[0]).toMatchObject({
      model: "primary-model",
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: "function", function: { name: "calculator", description: "math" } }],
    });
  });

  // Without the local token count, ChatOpenAI downloads a tokenizer here and blocks for minutes offline.
  it("talks to nothing but the configured endpoint (no tokenizer download)", { timeout: 5000 }, async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const { ask, server } = await setup(script(answer));
    const started = Date.now();
    await ask();
    expect(Date.now() - started).toBeLessThan(2000);
    const urls = fetchSpy.mock.calls.map(([input]) => String(input instanceof Request ? input.url : input));
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((url) => url.startsWith(server.baseUrl))).toBe(true);
  });

  it("streams tokens to the callbacks in the node's config", async () => {
    const tokens: string[] = [];
    const { ask } = await setup(script(say("one two three four")));
    await ask({ config: { callbacks: [{ handleLLMNewToken: (token: string) => void tokens.push(token) }] } });
    expect(tokens.filter((t) => t.length > 0)).toEqual(["one ", "two ", "three ", "four"]);
  });

  it("createChatModel turns library retries off and installs the deadlines", async () => {
    fake = await startFakeOpenAI({ responder: () => ({ fault: "server_error", status: 503 }) });
    const model = createChatModel(modelConfig({ baseUrl: fake.baseUrl }));
    await expect(model.invoke("hello")).rejects.toMatchObject({ status: 503 });
    expect(fake.requests).toHaveLength(1);
    fake.setResponder(() => ({ fault: "stall", reply: { content: "cut short" } }));
    await expect(model.invoke("hello")).rejects.toMatchObject({ name: "ModelDeadlineError", kind: "stall" });
  });
});

describe("ModelClient: faults it recovers from", () => {
  it("retries a 429 without retry-after (which ChatOpenAI alone fails at once)", async () => {
    const { ask, server, retries } = await setup(script({ fault: "rate_limit" }, answer));
    expect((await ask()).content).toBe("All good.");
    expect(server.requests).toHaveLength(2);
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, reason: "rate_limit", status: 429 })]);
  });

  it("waits out a 429's retry-after before retrying", async () => {
    const { ask, server, retries } = await setup(script({ fault: "rate_limit", retryAfterSeconds: 1 }, answer));
    const started = Date.now();
    expect((await ask()).content).toBe("All good.");
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(2500);
    expect(server.requests).toHaveLength(2);
    expect(retries[0]).toMatchObject({ retryAfterMs: 1000, delayMs: 1000 });
  });

  it("retries 500 and 503", async () => {
    const { ask, server, retries } = await setup(
      script({ fault: "server_error" }, { fault: "server_error", status: 503 }, answer),
    );
    expect((await ask()).content).toBe("All good.");
    expect(server.requests).toHaveLength(3);
    expect(retries.map((r) => r.status)).toEqual([500, 503]);
  });

  it("retries a connection reset", async () => {
    const { ask, server, retries } = await setup(script({ fault: "reset" }, answer));
    expect((await ask()).content).toBe("All good.");
    expect(server.requests).toHaveLength(2);
    expect(retries[0]?.reason).toBe("connection");
  });

  it("cuts a hang before headers at stallMs and retries", async () => {
    const { ask, server, retries } = await setup(script({ fault: "hang" }, answer));
    const started = Date.now();
    expect((await ask()).content).toBe("All good.");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.requests).toHaveLength(2);
    expect(retries[0]?.reason).toBe("stall");
  });

  it("cuts a stream stalled mid-way and retries, keeping none of the partial answer", async () => {
    const { ask, server, retries } = await setup(
      script({ fault: "stall", reply: { content: "partial words never end" } }, answer),
    );
    const reply = await ask();
    expect(reply.content).toBe("All good.");
    expect(server.requests).toHaveLength(2);
    expect(retries[0]?.reason).toBe("stall");
  });
});

describe("ModelClient: failures it reports", () => {
  it("always-503 ends as model_unavailable after maxRetries + 1 attempts", async () => {
    const { ask, server } = await setup(() => ({ fault: "server_error", status: 503 }));
    const err = await failure(ask());
    expect(err.code).toBe("model_unavailable");
    expect(server.requests).toHaveLength(4);
    expect(err.details).toMatchObject({ attempts: 4, status: 503, reason: "server_error", model: "primary-model" });
    expect(err.message).toMatch(
      new RegExp(
        `^model endpoint ${server.baseUrl} \\(model primary-model\\) returned 503 on 4 attempts over \\d+\\.\\d s$`,
      ),
    );
  });

  it("a stream that always stalls ends as model_timeout", async () => {
    const { ask, server } = await setup(() => ({ fault: "stall", reply: { content: "a b c" } }), {
      retry: { maxRetries: 1, baseMs: 5, maxMs: 5 },
    });
    const err = await failure(ask());
    expect(err.code).toBe("model_timeout");
    expect(server.requests).toHaveLength(2);
    expect(err.message).toContain("went silent for 150 ms");
  });

  it.each([
    [400, "Invalid request."],
    [401, "check OPENAI_API_KEY"],
  ] as const)("a %i is model_rejected after exactly one request", async (status, text) => {
    const { ask, server } = await setup(() => ({ fault: "bad_request", status }));
    const err = await failure(ask());
    expect(err.code).toBe("model_rejected");
    expect(server.requests).toHaveLength(1);
    expect(err.details).toMatchObject({ status, attempts: 1 });
    expect(err.message).toContain(text);
  });

  it("a retry-after beyond the bound fails at once and says when to retry", async () => {
    const { ask, server } = await setup(() => ({ fault: "rate_limit", retryAfterSeconds: 120 }));
    const started = Date.now();
    const err = await failure(ask());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe("model_unavailable");
    expect(server.requests).toHaveLength(1);
    expect(err.details).toMatchObject({ retryAfterMs: 120_000, status: 429 });
    expect(err.message).toMatch(/asked to retry after 120 s.*retry after \d{4}-\d\d-\d\dT/);
  });

  it("a caller's abort stops at once with the caller's reason", async () => {
    const { ask, server } = await setup(() => ({ fault: "hang" }), { stallMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user pressed stop")), 50);
    const started = Date.now();
    await expect(ask({ signal: controller.signal })).rejects.toThrow("user pressed stop");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it("an abort through the node's config also stops during the backoff", async () => {
    const { ask, server } = await setup(() => ({ fault: "server_error" }), {
      retry: { maxRetries: 5, baseMs: 10_000, maxMs: 10_000 },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("run cancelled")), 50);
    const started = Date.now();
    await expect(ask({ config: { signal: controller.signal } })).rejects.toThrow("run cancelled");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });
});

describe("ModelClient: fallback model", () => {
  const byModel =
    (replies: Record<string, FakeReply>): Responder =>
    (request) =>
      replies[request.model] ?? { fault: "bad_request", status: 404 };

  it("is used once the primary stays unavailable", async () => {
    const { ask, server } = await setup(
      byModel({ "primary-model": { fault: "server_error", status: 503 }, "backup-model": answer }),
      {
        fallbackName: "backup-model",
      },
    );
    const reply = await ask();
    expect(reply.content).toBe("All good.");
    expect(reply.response_metadata.model_name).toBe("backup-model");
    expect(models(server)).toEqual([
      "primary-model",
      "primary-model",
      "primary-model",
      "primary-model",
      "backup-model",
    ]);
  });

  it("gets the same retry policy, and both failures are reported", async () => {
    const { ask, server } = await setup(() => ({ fault: "server_error", status: 502 }), {
      fallbackName: "backup-model",
      retry: { maxRetries: 1, baseMs: 5, maxMs: 5 },
    });
    const err = await failure(ask());
    expect(err.code).toBe("model_unavailable");
    expect(models(server)).toEqual(["primary-model", "primary-model", "backup-model", "backup-model"]);
    expect(err.details).toMatchObject({
      model: "backup-model",
      attempts: 4,
      primary: { model: "primary-model", attempts: 2 },
    });
    expect(err.message).toMatch(/primary-model.*returned 502.*fallback: .*backup-model.*returned 502/);
  });

  it("is not used when the primary rejects the request", async () => {
    const { ask, server } = await setup(
      byModel({ "primary-model": { fault: "bad_request", status: 400 }, "backup-model": answer }),
      {
        fallbackName: "backup-model",
      },
    );
    expect((await failure(ask())).code).toBe("model_rejected");
    expect(models(server)).toEqual(["primary-model"]);
  });
});
