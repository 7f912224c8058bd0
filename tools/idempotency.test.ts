import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "./define.js";
import { ToolEngine } from "./engine.js";
import { idempotencyKeyOf } from "./idempotency.js";
import { ToolRegistry } from "./registry.js";

describe("idempotency keys", () => {
  it("are the same for the same call of the same reply in the same thread, and differ otherwise", () => {
    const key = idempotencyKeyOf("thread-1", { id: "call_0", messageId: "chatcmpl-a" });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(idempotencyKeyOf("thread-1", { id: "call_0", messageId: "chatcmpl-a" })).toBe(key);
    // A provider that numbers calls per reply reuses "call_0" on the next turn: a new action, a new key.
    expect(idempotencyKeyOf("thread-1", { id: "call_0", messageId: "chatcmpl-b" })).not.toBe(key);
    expect(idempotencyKeyOf("thread-2", { id: "call_0", messageId: "chatcmpl-a" })).not.toBe(key);
    expect(idempotencyKeyOf("thread-1", { id: "call_1", messageId: "chatcmpl-a" })).not.toBe(key);
    // Separators keep ids from running into each other.
    expect(idempotencyKeyOf("a", { id: "bc" })).not.toBe(idempotencyKeyOf("ab", { id: "c" }));
  });

  it("reach the handler through the engine, stable across repeated executions of one call", async () => {
    const seen: string[] = [];
    const probe = defineTool({
      name: "probe",
      description: "records its key",
      schema: z.object({}),
      handler: async (_args, ctx) => seen.push(ctx.idempotencyKey),
    });
    const engine = new ToolEngine(new ToolRegistry([probe]));
    const caller = {
      userId: "u",
      role: "member" as const,
      threadId: "t",
      signal: new AbortController().signal,
      db: () => Promise.reject(new Error("unused")),
    };
    const options = { approvedIds: new Set<string>() };
    await engine.run({ id: "c1", name: "probe", args: {}, messageId: "m1" }, caller, options);
    await engine.run({ id: "c1", name: "probe", args: {}, messageId: "m1" }, caller, options);
    await engine.run({ id: "c2", name: "probe", args: {}, messageId: "m1" }, caller, options);
    expect(seen[0]).toBe(idempotencyKeyOf("t", { id: "c1", messageId: "m1" }));
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[0]);
  });
});
