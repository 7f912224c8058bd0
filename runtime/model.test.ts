import { AIMessage, AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { say, script } from "../fake-openai/script.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fake-openai/server.js";
import type { FakeReply, Responder } from "../fake-openai/types.js";
import { isKeelError, type KeelError } from "./errors.js";
import { memoryLogger } from "./logger.js";
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

// A process's first request pays for loading the HTTP client, which on a busy machine can pass the
// 150 ms stall limit these tests use; one unhurried request first keeps that cost out of them.
beforeAll(async () => {
  const warm = await startFakeOpenAI({ responder: () => answer });
  try {
    await createChatModel(modelConfig({ baseUrl: warm.baseUrl, stallMs: 10_000 })).invoke("warm up");
  } finally {
    await warm.close();
  }
});

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

describe("ModelClient: every retry writes a log line", () => {
  /** A client logging into memory, and its `model_retry` lines. */
  async function logged(responder: Responder, cfg: Partial<ModelConfig> = {}) {
    fake = await startFakeOpenAI({ responder });
    const { logger, lines } = memoryLogger();
    const client = new ModelClient(modelConfig(cfg), { baseUrl: fake.baseUrl }, { logger });
    return { server: fake, client, retryLines: () => lines.filter((line) => line.event === "model_retry") };
  }
  // The config LangGraph hands the plan node: the thread in `configurable`, the caller in `context`.
  const nodeConfig: LangGraphRunnableConfig = {
    configurable: { thread_id: "thread-7" },
    context: { userId: "alice", role: "member" },
  };

  // Before: a call that recovered after retries (e.g. a 20 s stall) left only its total duration behind.
  it("logs attempt, reason, delay and status of each fault, with the thread and the user", async () => {
    const { client, server, retryLines } = await logged(
      script(
        { fault: "rate_limit" },
        { fault: "server_error", status: 503 },
        { fault: "reset" },
        { fault: "hang" },
        { fault: "stall", reply: { content: "cut off mid-way" } },
        answer,
      ),
      { retry: { maxRetries: 5, baseMs: 5, maxMs: 20 } },
    );
    expect((await client.invoke([new HumanMessage("hello")], { config: nodeConfig })).content).toBe("All good.");
    expect(server.requests).toHaveLength(6);
    const lines = retryLines();
    expect(lines.map((l) => [l.attempt, l.reason, l.status, l.phase])).toEqual([
      [1, "rate_limited", 429, undefined],
      [2, "server_error", 503, undefined],
      [3, "connection_error", undefined, undefined],
      [4, "stalled", undefined, "headers"],
      [5, "stalled", undefined, "body"],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 40, model: "primary-model", thread_id: "thread-7", user_id: "alice" });
      expect(line.delay_ms).toEqual(expect.any(Number));
      expect(line.delay_ms as number).toBeLessThanOrEqual(20);
      expect(line.error).toEqual(expect.any(String));
    }
    // The stalls' lines show where the time went.
    expect(lines[3]!.elapsed_ms as number).toBeGreaterThanOrEqual(140);
  });

  it("logs the switch to the fallback model", async () => {
    const { client, retryLines } = await logged(
      (request) => (request.model === "backup-model" ? answer : { fault: "server_error", status: 502 }),
      { fallbackName: "backup-model", retry: { maxRetries: 1, baseMs: 5, maxMs: 5 } },
    );
    await client.invoke([new HumanMessage("hello")], { config: nodeConfig });
    expect(retryLines().map((l) => [l.model, l.attempt, l.reason, l.status])).toEqual([
      ["primary-model", 1, "server_error", 502],
      ["primary-model", 2, "fallback", 502],
    ]);
    expect(retryLines()[1]).toMatchObject({ next_model: "backup-model", delay_ms: 0, thread_id: "thread-7" });
  });
});

describe("ModelClient: rate limits get their own patience", () => {
  const patience = (rateLimitPatienceMs: number) => ({
    retry: { maxRetries: 1, baseMs: 5, maxMs: 20, rateLimitPatienceMs, rateLimitMaxMs: 20 },
  });

  // Before: a 429 used up a retry like a 5xx, so MODEL_MAX_RETRIES + 1 attempts (~5 s) ended the run.
  it("retries a 429 without retry-after beyond maxRetries, and succeeds within the patience", async () => {
    const { ask, server, retries } = await setup(
      script(...Array<FakeReply>(6).fill({ fault: "rate_limit" }), answer),
      patience(5000),
    );
    expect((await ask()).content).toBe("All good.");
    expect(server.requests).toHaveLength(7);
    expect(retries.map((r) => r.reason)).toEqual(Array(6).fill("rate_limit"));
  });

  it("gives up once the patience is spent, with a message naming it", async () => {
    const { ask, server } = await setup(() => ({ fault: "rate_limit" }), patience(300));
    const started = Date.now();
    const err = await failure(ask());
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(err.code).toBe("model_unavailable");
    expect(err.details).toMatchObject({ stop: "rate_limit_patience", reason: "rate_limit", status: 429 });
    expect(server.requests.length).toBeGreaterThan(2);
    expect(err.message).toMatch(/rate limited \(429\) on \d+ attempts over 0\.\d s.*MODEL_RATE_LIMIT_PATIENCE_MS/);
  });

  it("does not wait for a retry-after that ends beyond the patience: fails at once, saying when", async () => {
    const { ask, server } = await setup(() => ({ fault: "rate_limit", retryAfterSeconds: 1 }), patience(500));
    const started = Date.now();
    const err = await failure(ask());
    expect(Date.now() - started).toBeLessThan(400);
    expect(server.requests).toHaveLength(1);
    expect(err.details).toMatchObject({ stop: "rate_limit_patience", retryAfterMs: 1000 });
    expect(err.message).toMatch(/retry after \d{4}-\d\d-\d\dT/);
  });

  it("a patience beyond 60 s also covers a retry-after beyond 60 s", async () => {
    const { ask, server } = await setup(() => ({ fault: "rate_limit", retryAfterSeconds: 90 }), patience(120_000));
    const err = await failure(ask({ timeBudgetMs: 1_000 }));
    expect(server.requests).toHaveLength(1);
    // Not "longer than the 60 s Keel waits": the wait is refused only because the time budget is shorter.
    expect(err.details).toMatchObject({ stop: "deadline", retryAfterMs: 90_000 });
  });

  it("5xx retries keep their own count: 429s before them do not use it up", async () => {
    const { ask, server, retries } = await setup(
      script(
        { fault: "rate_limit" },
        { fault: "rate_limit" },
        { fault: "rate_limit" },
        { fault: "server_error", status: 503 },
        { fault: "server_error", status: 503 },
        answer,
      ),
      patience(5000),
    );
    const err = await failure(ask());
    // 3 rate-limited attempts, then 1 + maxRetries (1) server errors.
    expect(server.requests).toHaveLength(5);
    expect(err.details).toMatchObject({ stop: "exhausted", reason: "server_error", status: 503, attempts: 5 });
    expect(retries.map((r) => r.reason)).toEqual(["rate_limit", "rate_limit", "rate_limit", "server_error"]);
  });
});

describe("ModelClient: the caller's time budget bounds every wait", () => {
  // The run's time budget, passed per call: no sleep may end past it.
  it("stops retrying 429s when the next wait would pass it, and does not try the fallback", async () => {
    const { ask, server } = await setup(() => ({ fault: "rate_limit" }), {
      fallbackName: "backup-model",
      retry: { maxRetries: 1, baseMs: 20, maxMs: 20, rateLimitPatienceMs: 60_000, rateLimitMaxMs: 40 },
    });
    const started = Date.now();
    const err = await failure(ask({ timeBudgetMs: 300 }));
    const took = Date.now() - started;
    // Waits are at most 40 ms, so it stops after 260 ms; only the last attempt's own few ms may pass 300.
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(400);
    expect(server.requests.length).toBeGreaterThan(2);
    expect(models(server).every((m) => m === "primary-model")).toBe(true);
    expect(err.code).toBe("model_unavailable");
    expect(err.details).toMatchObject({ stop: "deadline", reason: "rate_limit" });
    expect(err.message).toMatch(/time budget/);
  });

  it("does not start a backoff longer than what is left of it", async () => {
    const { ask, server } = await setup(() => ({ fault: "server_error", status: 503 }), {
      retry: { maxRetries: 1, baseMs: 5_000, maxMs: 5_000 },
    });
    const started = Date.now();
    const err = await failure(ask({ timeBudgetMs: 1_000 }));
    expect(Date.now() - started).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
    expect(err.details).toMatchObject({ stop: "deadline", reason: "server_error", attempts: 1 });
  });
});
