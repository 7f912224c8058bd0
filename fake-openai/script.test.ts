import { describe, expect, it } from "vitest";
import { callTool, forever, malformedToolCall, proseInsteadOfJson, say, script, unknownToolCall } from "./script.js";
import type { FakeAnswer, FakeChatRequest, FakeReply } from "./types.js";

const request: FakeChatRequest = { model: "m", messages: [{ role: "user", content: "hi" }] };
const play = async (responder: ReturnType<typeof script>, index = 0): Promise<FakeReply> =>
  responder(request, { index });

describe("script", () => {
  it("plays replies in order, calling responder steps with the request", async () => {
    const seen: string[] = [];
    const responder = script(
      say("first"),
      (req) => {
        seen.push(req.model);
        return say("from a function");
      },
      { fault: "server_error", status: 503 },
    );
    expect(await play(responder)).toEqual({ content: "first" });
    expect(await play(responder)).toEqual({ content: "from a function" });
    expect(await play(responder)).toEqual({ fault: "server_error", status: 503 });
    expect(seen).toEqual(["m"]);
  });

  it("answers a non-retryable 400 naming the script length once exhausted", async () => {
    const responder = script(say("only"), say("two"));
    await play(responder);
    await play(responder);
    const exhausted = { fault: "bad_request", status: 400, message: "fake script exhausted after 2 calls" };
    expect(await play(responder)).toEqual(exhausted);
    expect(await play(responder)).toEqual(exhausted);
  });
});

describe("reply builders", () => {
  it("builds text, tool calls and the content-level faults", () => {
    expect(callTool("calculator", { expression: "1+1" }, "call_1")).toEqual({
      toolCalls: [{ id: "call_1", name: "calculator", arguments: { expression: "1+1" } }],
    });
    expect(malformedToolCall().toolCalls?.[0]).toEqual({ name: "calculator", arguments: '{"expression": ' });
    expect(() => {
      JSON.parse(malformedToolCall().toolCalls?.[0]?.arguments as string);
    }).toThrow();
    expect(unknownToolCall("delete_everything").toolCalls?.[0]?.name).toBe("delete_everything");
    const prose = proseInsteadOfJson().content ?? "";
    expect(() => {
      JSON.parse(prose);
    }).toThrow();
  });

  it("forever calls the tool on every request with a fresh call id", async () => {
    const responder = forever({ name: "calculator", arguments: { expression: "1+1" } });
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const reply = (await responder(request, { index: i })) as FakeAnswer;
      expect(reply.toolCalls?.[0]?.name).toBe("calculator");
      ids.add(reply.toolCalls?.[0]?.id ?? "");
    }
    expect(ids.size).toBe(20);
  });
});
