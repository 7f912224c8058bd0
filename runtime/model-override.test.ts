import { HumanMessage } from "@langchain/core/messages";
import { afterEach, describe, expect, it } from "vitest";
import { say } from "../fake-openai/script.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fake-openai/server.js";
import { isKeelError } from "./errors.js";
import { ModelClient, type ModelConfig } from "./model.js";
import { DEFAULT_PRICES } from "./pricing.js";

/** A model named per call (an assistant's) goes through the same client, retries and fallback. */
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const cfg = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  apiKey: "test",
  baseUrl: undefined,
  name: "primary-model",
  fallbackName: undefined,
  temperature: 0,
  timeoutMs: 3000,
  stallMs: 2000,
  retry: { maxRetries: 1, baseMs: 5, maxMs: 20 },
  prices: DEFAULT_PRICES,
  offline: false,
  ...over,
});

describe("ModelClient: a per-call model", () => {
  it("calls the named model, and the configured one when none is named", async () => {
    fake = await startFakeOpenAI({ responder: () => say("ok") });
    const client = new ModelClient(cfg(), { baseUrl: fake.baseUrl }, { allowedModels: ["gpt-4o"] });
    const reply = await client.invoke([new HumanMessage("hi")], { model: "gpt-4o" });
    await client.invoke([new HumanMessage("hi")]);
    await client.invoke([new HumanMessage("hi")], { model: "gpt-4o" });
    expect(fake.requests.map((r) => r.model)).toEqual(["gpt-4o", "primary-model", "gpt-4o"]);
    // Usage is reported under the model that answered, so it is priced as that model.
    expect(reply.response_metadata.model_name).toBe("gpt-4o");
  });

  it("retries the named model, then falls back to the configured fallback", async () => {
    fake = await startFakeOpenAI({
      responder: (request) =>
        request.model === "gpt-4o" ? { fault: "server_error", status: 503 } : say("from backup"),
    });
    const client = new ModelClient(
      cfg({ fallbackName: "backup-model" }),
      { baseUrl: fake.baseUrl },
      { allowedModels: ["gpt-4o"] },
    );
    const reply = await client.invoke([new HumanMessage("hi")], { model: "gpt-4o" });
    expect(reply.content).toBe("from backup");
    expect(fake.requests.map((r) => r.model)).toEqual(["gpt-4o", "gpt-4o", "backup-model"]);
  });

  it("names the model it called when it gives up", async () => {
    fake = await startFakeOpenAI({ responder: () => ({ fault: "server_error", status: 503 }) });
    const client = new ModelClient(cfg(), { baseUrl: fake.baseUrl }, { allowedModels: ["gpt-4o"] });
    const err = await client.invoke([new HumanMessage("hi")], { model: "gpt-4o" }).catch((e: unknown) => e);
    expect(isKeelError(err) && err.message).toMatch(/model gpt-4o/);
  });

  it("refuses a model outside the allow-list without calling the endpoint", async () => {
    fake = await startFakeOpenAI({ responder: () => say("ok") });
    const client = new ModelClient(cfg(), { baseUrl: fake.baseUrl }, { allowedModels: ["gpt-4o"] });
    const err = await client.invoke([new HumanMessage("hi")], { model: "o1-pro" }).catch((e: unknown) => e);
    expect(isKeelError(err) && err.code).toBe("model_rejected");
    expect(fake.requests).toEqual([]);
  });
});
