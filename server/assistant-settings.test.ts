import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { loadConfig } from "../runtime/config.js";
import { formatIssues } from "../runtime/errors.js";
import { assistantConfigSchema, runBudget, runSettingsOf, settingsSchema } from "./assistant-settings.js";

const rules = { models: ["gpt-4o-mini", "gpt-4o"], tools: ["calculator", "current_time", "outbox_send"] };

const problems = (value: unknown, schema: z.ZodType = settingsSchema(rules)) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? "" : formatIssues(parsed.error.issues);
};

describe("assistant settings", () => {
  it("takes a prompt, an allowed model, registered tools and a budget", () => {
    expect(
      problems({ system_prompt: "Be brief.", model: "gpt-4o", tools: ["calculator"], budget: { modelCalls: 2 } }),
    ).toBe("");
    expect(problems({ tools: [] })).toBe("");
    expect(problems({})).toBe("");
  });

  it("refuses unknown keys, naming them", () => {
    expect(problems({ systemPrompt: "camelCase is the graph's, not the API's" })).toMatch(/systemPrompt/);
    expect(problems({ budget: { dollars: 1 } })).toMatch(/dollars/);
  });

  it("refuses a model the deployment does not allow, listing the allowed ones", () => {
    expect(problems({ model: "gpt-5-ultra" })).toMatch(/model.*gpt-4o-mini, gpt-4o/);
  });

  it("refuses an unknown tool, naming its position", () => {
    expect(problems({ tools: ["calculator", "rm_rf"] })).toMatch(/tools\.1.*registered tool/);
  });

  it("bounds the prompt and refuses an empty one", () => {
    expect(problems({ system_prompt: "x".repeat(20_001) })).toMatch(/system_prompt/);
    expect(problems({ system_prompt: "" })).toMatch(/system_prompt/);
  });

  it("accepts the settings under config.configurable, and nothing else in config", () => {
    const config = assistantConfigSchema(rules);
    expect(problems({ configurable: { model: "gpt-4o" } }, config)).toBe("");
    expect(problems({ configurable: { model: "nope" } }, config)).toMatch(/configurable\.model/);
    expect(problems({ tags: ["x"] }, config)).toMatch(/tags/);
  });

  it("reads a stored assistant's run settings, context over config.configurable", () => {
    const settings = runSettingsOf({
      assistant_id: "a",
      version: 3,
      config: { configurable: { model: "gpt-4o", system_prompt: "old" } },
      context: { system_prompt: "new", tools: [] },
    });
    expect(settings).toEqual({ assistant_id: "a", version: 3, systemPrompt: "new", model: "gpt-4o", tools: [] });
  });

  it("a run's budget is the assistant's narrowed by the request's, never widened", () => {
    expect(runBudget({ modelCalls: 3, steps: 5 }, { modelCalls: 10, toolCalls: 2 })).toEqual({
      modelCalls: 3,
      steps: 5,
      toolCalls: 2,
    });
    expect(runBudget(undefined, { steps: 1 })).toEqual({ steps: 1 });
    expect(runBudget(undefined, undefined)).toBeUndefined();
  });

  it("the models an assistant may name: MODEL and FALLBACK_MODEL always, SERVE_ASSISTANT_MODELS on top", () => {
    expect(loadConfig({}).serve.assistantModels).toEqual(["gpt-4o-mini"]);
    expect(
      loadConfig({ MODEL: "m1", FALLBACK_MODEL: "m2", SERVE_ASSISTANT_MODELS: " m3, m1 ,,m4" }).serve.assistantModels,
    ).toEqual(["m1", "m2", "m3", "m4"]);
  });
});
