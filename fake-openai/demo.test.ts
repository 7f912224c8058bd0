import { describe, expect, it } from "vitest";
import { DEMO_HELP, demoResponder, findExpression } from "./demo.js";
import type { FakeAnswer, FakeChatMessage, FakeChatRequest, FakeChatTool } from "./types.js";

const tool = (name: string): FakeChatTool => ({ type: "function", function: { name, parameters: { type: "object" } } });
const ALL_TOOLS = [tool("calculator"), tool("outbox_send")];

async function ask(messages: FakeChatMessage[], tools: FakeChatTool[] = ALL_TOOLS): Promise<FakeAnswer> {
  const request: FakeChatRequest = { model: "demo", messages, tools };
  return (await demoResponder(request, { index: 0 })) as FakeAnswer;
}
const user = (content: string): FakeChatMessage => ({ role: "user", content });

/** A conversation that called `name` and got `result` back. */
function afterTool(name: string, result: string): FakeChatMessage[] {
  return [
    user("do it"),
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name, arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "call_1", content: result },
  ];
}

describe("demo responder: choosing a tool", () => {
  it("calls the calculator for arithmetic in the newest user message", async () => {
    expect((await ask([user("what is 12*7?")])).toolCalls).toEqual([
      { name: "calculator", arguments: { expression: "12*7" } },
    ]);
    expect(
      (await ask([user("hi"), { role: "assistant", content: "hello" }, user("(3+4)*2 please")])).toolCalls?.[0]
        ?.arguments,
    ).toEqual({
      expression: "(3+4)*2",
    });
  });

  it("explains instead of calling a calculator that is not offered", async () => {
    const answer = await ask([user("what is 2^10?")], [tool("outbox_send")]);
    expect(answer.toolCalls).toBeUndefined();
    expect(answer.content).toContain("not available");
  });

  it("queues a note with the parsed address, or the default recipient", async () => {
    const note = await ask([user("send a note to alice@example.com saying the build is green")]);
    expect(note.toolCalls?.[0]).toEqual({
      name: "outbox_send",
      arguments: { to: "alice@example.com", subject: "The build is green", body: "the build is green" },
    });
    const defaulted = await ask([user("please email the team: deploy finished")]);
    expect(defaulted.toolCalls?.[0]?.arguments).toMatchObject({ to: "team@example.com", body: "deploy finished" });
    expect((await ask([user("send a note saying hi")], [tool("calculator")])).content).toContain("not available");
  });

  it("answers anything else with the offline demo help", async () => {
    const answer = await ask([user("tell me a joke about ducks")]);
    expect(answer.content).toBe(DEMO_HELP);
    expect(answer.content).toContain("offline");
  });
});

describe("demo responder: answering from tool results", () => {
  it("states the calculator result, even when the JSON is wrapped in delimiters", async () => {
    const answer = await ask(
      afterTool(
        "calculator",
        '<tool_result untrusted>\n{"ok":true,"data":{"expression":"12*7","result":84}}\n</tool_result>',
      ),
    );
    expect(answer).toEqual({ content: "12*7 = 84." });
  });

  it("confirms a queued note", async () => {
    const answer = await ask(afterTool("outbox_send", '{"ok":true,"data":{"id":"note_7","to":"alice@example.com"}}'));
    expect(answer.content).toContain("alice@example.com");
    expect(answer.content).toContain("note_7");
  });

  it("says a rejected note was not sent and quotes the reviewer", async () => {
    const answer = await ask(
      afterTool("outbox_send", '{"ok":false,"error":{"code":"rejected","message":"not to customers"}}'),
    );
    expect(answer.content).toMatch(/not sent/);
    expect(answer.content).toContain('"not to customers"');
  });

  it("explains other errors with their suggestion, and unreadable results", async () => {
    const failed = await ask(
      afterTool(
        "calculator",
        '{"ok":false,"error":{"code":"invalid_input","message":"division by zero"},"suggestion":"Use a non-zero divisor."}',
      ),
    );
    expect(failed.content).toBe(
      "The calculator tool failed (invalid_input): division by zero. Use a non-zero divisor.",
    );
    expect((await ask(afterTool("calculator", "garbage"))).content).toContain("could not read");
  });

  it("answers every trailing tool result in order", async () => {
    const messages: FakeChatMessage[] = [
      user("two things"),
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "a", type: "function", function: { name: "calculator", arguments: "{}" } },
          { id: "b", type: "function", function: { name: "outbox_send", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "a", content: '{"ok":true,"data":{"expression":"1+1","result":2}}' },
      { role: "tool", tool_call_id: "b", content: '{"ok":true,"data":{"id":"n1","to":"bob@example.com"}}' },
    ];
    const answer = (await ask(messages)).content ?? "";
    expect(answer.indexOf("1+1 = 2.")).toBe(0);
    expect(answer).toContain("bob@example.com");
  });
});

describe("findExpression", () => {
  it("picks the arithmetic and ignores numbers without operators", () => {
    expect(findExpression("what is 12*7?")).toBe("12*7");
    expect(findExpression("compute (3 + 4) * 2 now")).toBe("(3 + 4) * 2");
    expect(findExpression("10 % 3 and 2^8")).toBe("10 % 3");
    expect(findExpression("I have 3 cats")).toBeUndefined();
  });
});
