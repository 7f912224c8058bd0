import { afterEach, describe, expect, it } from "vitest";
import {
  callTool,
  forever,
  malformedToolCall,
  say,
  script,
  unknownToolCall,
  type FakeReply,
} from "../fake-openai/index.js";
import type { TurnOutcome } from "../app/turn.js";
import { startHarness, toolResultsIn, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function done(outcome: TurnOutcome): Extract<TurnOutcome, { status: "done" }> {
  expect(outcome.status).toBe("done");
  return outcome as Extract<TurnOutcome, { status: "done" }>;
}

describe("each model fault ends in an answer after retries or a clean, explained failure", () => {
  const transient: [string, FakeReply][] = [
    ["429 without retry-after", { fault: "rate_limit" }],
    ["500", { fault: "server_error", status: 500 }],
    ["503", { fault: "server_error", status: 503 }],
    ["connection reset", { fault: "reset" }],
    ["hang before headers", { fault: "hang" }],
    ["stall mid-stream", { fault: "stall", reply: { content: "partial answer that never finishes" } }],
  ];

  it.each(transient)("%s, twice, then success → the answer", async (_name, fault) => {
    h = await startHarness(script(fault, fault, say("recovered")));
    const outcome = done(await h.say("hello"));
    expect(outcome.answer).toBe("recovered");
    expect(outcome.stopReason).toBe("answer");
    expect(h.fake.requests).toHaveLength(3);
  });

  // Before: a 429 used up one of MODEL_MAX_RETRIES, so a provider's per-minute limit failed the run.
  it("429s beyond MODEL_MAX_RETRIES are waited out within MODEL_RATE_LIMIT_PATIENCE_MS, then answers", async () => {
    h = await startHarness(script(...Array<FakeReply>(6).fill({ fault: "rate_limit" }), say("after the limit")), {
      env: { MODEL_RATE_LIMIT_PATIENCE_MS: "10000", MODEL_RATE_LIMIT_RETRY_MAX_MS: "50" },
    });
    const outcome = done(await h.say("hello"));
    expect(outcome.answer).toBe("after the limit");
    expect(h.fake.requests).toHaveLength(7); // MODEL_MAX_RETRIES is 3 here
  });

  it("429s past MODEL_RATE_LIMIT_PATIENCE_MS end the run with model_error and say so", async () => {
    h = await startHarness(() => ({ fault: "rate_limit" }), {
      env: { MODEL_RATE_LIMIT_PATIENCE_MS: "300", MODEL_RATE_LIMIT_RETRY_MAX_MS: "50" },
    });
    const outcome = done(await h.say("hello"));
    expect(outcome.stopReason).toBe("model_error");
    expect(outcome.error?.code).toBe("model_unavailable");
    expect(outcome.error?.message).toContain("MODEL_RATE_LIMIT_PATIENCE_MS");
    expect(h.fake.requests.length).toBeGreaterThan(4);
  });

  it("429s are never waited out past the run's time budget", async () => {
    h = await startHarness(() => ({ fault: "rate_limit" }), {
      env: { MODEL_RATE_LIMIT_PATIENCE_MS: "60000", MODEL_RATE_LIMIT_RETRY_MAX_MS: "100", MAX_RUN_SECONDS: "0.5" },
    });
    const started = Date.now();
    const outcome = done(await h.say("hello"));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.stopReason).toBe("model_error");
    expect(outcome.error?.message).toContain("time budget");
  });

  it("every retry writes a model_retry log line with attempt, reason, delay and the caller", async () => {
    h = await startHarness(script({ fault: "rate_limit" }, { fault: "server_error" }, say("fine")));
    done(await h.say("hello"));
    const retries = h.logs.filter((l) => l["event"] === "model_retry");
    expect(retries).toEqual([
      expect.objectContaining({ attempt: 1, reason: "rate_limited", status: 429, node: "plan", user_id: "tester" }),
      expect.objectContaining({ attempt: 2, reason: "server_error", status: 500, node: "plan", user_id: "tester" }),
    ]);
    for (const line of retries) {
      expect(line["thread_id"]).toBe(h.caller.threadId);
      expect(line["delay_ms"]).toEqual(expect.any(Number));
    }
  });

  it("429 with retry-after waits as told, then answers", async () => {
    h = await startHarness(script({ fault: "rate_limit", retryAfterSeconds: 1 }, say("after the wait")));
    const started = Date.now();
    const outcome = done(await h.say("hello"));
    expect(outcome.answer).toBe("after the wait");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("an endpoint that keeps failing ends the run with stopReason model_error and a clear message", async () => {
    h = await startHarness(() => ({ fault: "server_error", status: 503 }));
    const outcome = done(await h.say("hello"));
    expect(outcome.stopReason).toBe("model_error");
    expect(outcome.error?.code).toBe("model_unavailable");
    expect(outcome.error?.message).toContain("503");
    expect(outcome.answer).toContain("could not reach the model");
    expect(h.fake.requests).toHaveLength(4); // 1 + MODEL_MAX_RETRIES=3
  });

  it("a non-retryable 401 fails after exactly one request", async () => {
    h = await startHarness(() => ({ fault: "bad_request", status: 401, message: "bad key" }));
    const outcome = done(await h.say("hello"));
    expect(outcome.error?.code).toBe("model_rejected");
    expect(h.fake.requests).toHaveLength(1);
  });

  it("a stall that never recovers is cut by the stall timeout every time, bounded", async () => {
    h = await startHarness(() => ({ fault: "stall", reply: { content: "never ends" } }));
    const outcome = done(await h.say("hello"));
    expect(outcome.error?.code).toBe("model_timeout");
    expect(h.fake.requests).toHaveLength(4);
  });

  it("malformed tool-call JSON is answered with invalid_args, and the model corrects itself", async () => {
    h = await startHarness(
      script(malformedToolCall("calculator", '{"expression": '), callTool("calculator", { expression: "2+2" }), (req) =>
        say(`got ${JSON.stringify(toolResultsIn(req).at(-1))}`),
      ),
    );
    const outcome = done(await h.say("what is 2+2?"));
    const first = toolResultsIn(h.fake.requests[1]!)[0] as { ok: boolean; error: { code: string; message: string } };
    expect(first.ok).toBe(false);
    expect(first.error.code).toBe("invalid_args");
    expect(first.error.message).toContain('{"expression": ');
    // The malformed call stays paired with its result in the history the model is sent.
    const assistant = h.fake.requests[1]!.messages.find((m) => m.role === "assistant");
    const tool = h.fake.requests[1]!.messages.find((m) => m.role === "tool");
    expect(assistant?.tool_calls?.[0]?.id).toBe(tool?.tool_call_id);
    expect(outcome.answer).toContain('"result":4');
  });

  it("an unknown tool name is answered with unknown_tool listing the valid tools", async () => {
    h = await startHarness(
      script(unknownToolCall("delete_everything"), (req) => say(JSON.stringify(toolResultsIn(req)[0]))),
    );
    const outcome = done(await h.say("do it"));
    const result = JSON.parse(outcome.answer) as { error: { code: string }; suggestion: string };
    expect(result.error.code).toBe("unknown_tool");
    expect(result.suggestion).toContain("calculator");
    expect(result.suggestion).toContain("outbox_send");
  });

  it("a model that never stops calling tools is stopped by the step budget with a summary", async () => {
    h = await startHarness(forever({ name: "calculator", arguments: { expression: "1+1" } }), {
      env: { MAX_STEPS: "5" },
    });
    const outcome = done(await h.say("loop"));
    expect(outcome.stopReason).toBe("budget_steps");
    expect(outcome.usage.steps).toBe(5);
    expect(outcome.usage.toolCalls).toBe(5);
    // Five planning calls, then one summary call offered no tools; this model answers it with yet
    // another tool call, so the deterministic summary is used.
    expect(h.fake.requests).toHaveLength(6);
    expect(h.fake.requests[5]!.tools ?? []).toEqual([]);
    expect(outcome.answer).toContain("The run budget of 5 steps is used up");
    expect(outcome.answer).toContain("calculator");
  });
});
