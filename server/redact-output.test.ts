import { describe, expect, it } from "vitest";
import { randomish, token } from "../guards/pii/fake-secrets.js";
import { createOutputRedactor } from "./redact-output.js";
import type { SseEvent } from "./sse.js";

const KEY = token("ghp_", randomish(36, 31));
const VALUE = randomish(20, 33);

const chunk = (id: string, content: string, extra: Record<string, unknown> = {}): SseEvent => ({
  event: "messages",
  data: JSON.stringify([{ type: "ai", id, content, tool_call_chunks: [], ...extra }, { langgraph_node: "plan" }]),
});
const contents = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === "messages")
    .map((e) => (JSON.parse(e.data) as [{ content: string }])[0].content)
    .join("");

describe("createOutputRedactor().json", () => {
  const redact = createOutputRedactor();

  it("redacts PII and secrets in model and tool contents, only secrets elsewhere", () => {
    const state = {
      messages: [
        { type: "human", content: `mail bob@example.com, my key ${KEY}` },
        {
          type: "ai",
          content: `sent to bob@example.com with ${KEY}`,
          tool_calls: [{ name: "outbox_send", args: { to: "bob@example.com", body: KEY } }],
          usage_metadata: { input_tokens: 3, input_token_details: { cache_read: 0 } },
        },
        { type: "tool", content: `{"to":"bob@example.com"}`, artifact: { to: "bob@example.com" } },
      ],
      interrupts: [{ value: { actionRequests: [{ args: { to: "bob@example.com", api_key: "hunter2" } }] } }],
    };
    const out = JSON.stringify(redact.json(state));
    expect(out).not.toContain(KEY);
    expect(out).not.toContain("hunter2");
    // The caller's words, tool-call arguments and approval requests keep their PII.
    expect(out).toContain("mail bob@example.com");
    expect(out).toContain('"to":"bob@example.com","body":"[SECRET]"');
    expect(out).toContain("sent to [EMAIL] with [SECRET]");
    expect(out).toContain('"artifact":{"to":"[EMAIL]"}');
    // A parsed "__proto__" key is copied as data.
    const parsed = redact.json(JSON.parse('{"__proto__":{"x":1}}') as object);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(JSON.stringify(parsed)).toBe('{"__proto__":{"x":1}}');
    // Usage counts keep their shape although their names contain "token".
    expect(out).toContain('"input_token_details":{"cache_read":0}');
  });
});

describe("createOutputRedactor().stream", () => {
  it("holds tokens back so a secret split across chunks is redacted whole", () => {
    const stream = createOutputRedactor().stream();
    const words = `the database password: ${VALUE} is set`.split(/(?<=\s)/);
    const out: SseEvent[] = [];
    for (const w of words) out.push(...stream.push(chunk("m1", w)));
    // The step ends: what is held back is released as one more chunk of the message.
    out.push(...stream.push({ event: "values", data: "{}" }));
    expect(contents(out)).toBe("the database password: [SECRET] is set");
    expect(out.map((e) => e.data).join("")).not.toContain(VALUE);
    expect(out.at(-1)?.event).toBe("values");
  });

  it("releases a message at its finish chunk and at the end of the stream", () => {
    const stream = createOutputRedactor().stream();
    const first = stream.push(chunk("m1", `key ${KEY}`, { response_metadata: { finish_reason: "stop" } }));
    expect(contents(first)).toBe("key [SECRET]");
    expect(contents(stream.push(chunk("m2", "hello ")))).toBe("");
    expect(contents(stream.end())).toBe("hello ");
  });

  it("holds tool-call argument pieces back too", () => {
    const stream = createOutputRedactor().stream();
    const args = JSON.stringify({ body: `password: ${VALUE} ok` });
    const pieces = [args.slice(0, 12), args.slice(12, 24), args.slice(24)];
    const out: SseEvent[] = [];
    for (const [i, p] of pieces.entries()) {
      out.push(
        ...stream.push(
          chunk("m1", "", {
            tool_call_chunks: [{ index: 0, args: p, ...(i ? {} : { name: "x" }) }],
            additional_kwargs: { tool_calls: [{ index: 0, function: { arguments: p } }] },
          }),
        ),
      );
    }
    out.push(...stream.end());
    const sent = out.map((e) => JSON.parse(e.data) as [{ tool_call_chunks: { args: string }[] }]);
    const joined = sent.flatMap(([c]) => c.tool_call_chunks.map((t) => t.args)).join("");
    // No piece of the value goes out, in the chunks or in the provider's raw deltas.
    for (const e of out) expect(e.data).not.toContain(VALUE.slice(0, 6));
    expect(JSON.parse(joined)).toEqual({ body: "password: [SECRET] ok" });
  });

  it("shows a messages/partial only up to what is released, and redacts every other event", () => {
    const stream = createOutputRedactor().stream();
    const partial = (content: string): SseEvent => ({
      event: "messages/partial",
      data: JSON.stringify([{ type: "ai", id: "m1", content }]),
    });
    const sent = [
      ...stream.push(partial("the database password: ")),
      ...stream.push(partial(`the database password: ${VALUE} `)),
      ...stream.push({
        event: "updates",
        data: JSON.stringify({ plan: { messages: [{ type: "ai", content: KEY }] } }),
      }),
    ];
    const text = sent.map((e) => e.data).join("");
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(KEY);
  });
});
