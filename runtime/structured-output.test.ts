import { HumanMessage } from "@langchain/core/messages";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  proseInsteadOfJson,
  say,
  script,
  startFakeOpenAI,
  type FakeOpenAI,
  type Responder,
} from "../fake-openai/index.js";
import { loadConfig } from "./config.js";
import { KeelError } from "./errors.js";
import { ModelClient } from "./model.js";
import { invokeStructured } from "./structured-output.js";

const Verdict = z.object({ label: z.enum(["safe", "unsafe"]), score: z.number().min(0).max(1) });
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function ask(responder: Responder, maxAttempts = 3) {
  fake = await startFakeOpenAI({ responder });
  const model = new ModelClient(loadConfig({ OPENAI_API_KEY: "k" }).model, { baseUrl: fake.baseUrl });
  return invokeStructured(model, [new HumanMessage("classify this")], Verdict, { maxAttempts });
}

describe("invokeStructured through ChatOpenAI and the fake server", () => {
  it("reads fenced JSON on the first attempt", async () => {
    const result = await ask(script(say('```json\n{"label":"safe","score":0.1}\n```')));
    expect(result).toEqual({ value: { label: "safe", score: 0.1 }, attempts: 1 });
  });

  it("reads JSON wrapped in prose", async () => {
    const result = await ask(script(say('Sure! My verdict: {"label":"unsafe","score":0.9}. Hope that helps.')));
    expect(result).toEqual({ value: { label: "unsafe", score: 0.9 }, attempts: 1 });
  });

  it("feeds the validation error back and accepts the corrected reply", async () => {
    const result = await ask(
      script(say('{"label":"maybe","score":2}'), (request) => {
        const feedback = request.messages.at(-1)?.content;
        expect(feedback).toContain("label");
        expect(feedback).toContain("score");
        return say('{"label":"safe","score":0.2}');
      }),
    );
    expect(result).toEqual({ value: { label: "safe", score: 0.2 }, attempts: 2 });
    expect(fake!.requests[0]!.messages.at(-1)?.content).toContain('"enum":["safe","unsafe"]');
  });

  it("prose every time ends in a typed error carrying every attempt", async () => {
    const error = await ask(() => proseInsteadOfJson(), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeelError);
    const keel = error as KeelError;
    expect(keel.code).toBe("structured_output_invalid");
    expect(keel.details?.attempts).toHaveLength(3);
    expect(fake!.requests).toHaveLength(3);
    expect(keel.message).toContain("no JSON");
  });
});
