import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryLogger } from "../runtime/logger.js";
import { defineTool } from "./define.js";
import { ToolEngine } from "./engine.js";
import { ToolRegistry } from "./registry.js";
import type { CallerToolContext } from "./types.js";

let writes = 0;
const write = defineTool({
  name: "write",
  description: "a side effect",
  schema: z.object({}),
  policy: { risk: "write", roles: ["member"] },
  handler: async () => ++writes,
});
const read = defineTool({ name: "read", description: "harmless", schema: z.object({}), handler: async () => "ok" });

const ctx = (role: CallerToolContext["role"] = "member"): CallerToolContext => ({
  userId: "u1",
  role,
  threadId: "t1",
  signal: new AbortController().signal,
  db: () => Promise.reject(new Error("no database in this test")),
});

describe("ToolEngine", () => {
  it("refuses a gated call that no human approved, even if routing let it through", async () => {
    const { logger, lines } = memoryLogger();
    const engine = new ToolEngine(new ToolRegistry([write, read]), { logger });
    const before = writes;
    const result = await engine.run({ id: "c1", name: "write", args: {} }, ctx(), { approvedIds: new Set() });
    expect(result).toMatchObject({ ok: false, error: { code: "approval_required" } });
    expect(writes).toBe(before);
    expect(lines).toContainEqual(expect.objectContaining({ event: "tool_refused", code: "approval_required" }));
    const approved = await engine.run({ id: "c1", name: "write", args: {} }, ctx(), { approvedIds: new Set(["c1"]) });
    expect(approved).toEqual({ ok: true, data: before + 1 });
  });

  it("unknown_tool lists only the tools the caller's role may use", async () => {
    const engine = new ToolEngine(new ToolRegistry([write, read]));
    const result = await engine.run({ id: "c", name: "nope", args: {} }, ctx("viewer"), { approvedIds: new Set() });
    expect(result).toMatchObject({ ok: false, suggestion: "Use one of: read." });
  });

  it("defaults: a write tool needs approval, a read tool does not; policies fill in safe defaults", () => {
    expect(write.policy.needsApproval).toBe(true);
    expect(read.policy).toMatchObject({ needsApproval: false, risk: "read", retry: { maxRetries: 0 }, rateLimit: {} });
    const registry = new ToolRegistry([write, read]);
    expect(registry.needsApproval("write", {}, ctx())).toBe(true);
    expect(registry.needsApproval("write", {}, ctx("viewer"))).toBe(false); // denied outright instead
    expect(registry.specsFor("viewer").map((s) => s.name)).toEqual(["read"]);
  });

  it("rejects duplicate names and names the model API would refuse", () => {
    expect(() => new ToolRegistry([read, read])).toThrow('Duplicate tool name "read"');
    expect(() =>
      defineTool({ name: "has space", description: "", schema: z.object({}), handler: async () => 1 }),
    ).toThrow("must be 1-64");
  });
});
