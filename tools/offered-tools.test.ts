import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "./define.js";
import { ToolEngine } from "./engine.js";
import { ToolRegistry } from "./registry.js";
import type { CallerToolContext } from "./types.js";

/** An assistant's tool set (`tools` in the run context) narrows what a role is offered and may run. */
let runs = 0;
const read = defineTool({ name: "read", description: "harmless", schema: z.object({}), handler: async () => ++runs });
const other = defineTool({ name: "other", description: "harmless", schema: z.object({}), handler: async () => ++runs });
const write = defineTool({
  name: "write",
  description: "members only",
  schema: z.object({}),
  policy: { risk: "write", roles: ["member"] },
  handler: async () => ++runs,
});

const ctx = (role: CallerToolContext["role"], tools?: string[]): CallerToolContext => ({
  userId: "u1",
  role,
  threadId: "t1",
  signal: new AbortController().signal,
  db: () => Promise.reject(new Error("no database in this test")),
  tools,
});

describe("an offered tool set", () => {
  const registry = new ToolRegistry([read, other, write]);

  it("narrows the specs offered, and never widens past the role", () => {
    expect(registry.specsFor("member", ["read"]).map((s) => s.name)).toEqual(["read"]);
    expect(registry.specsFor("member", []).map((s) => s.name)).toEqual([]);
    expect(registry.specsFor("viewer", ["read", "write"]).map((s) => s.name)).toEqual(["read"]);
    expect(registry.specsFor("member").map((s) => s.name)).toEqual(["read", "other", "write"]);
  });

  it("builds each tool's spec once and gives the same one to every role and call", () => {
    const fresh = new ToolRegistry([read, other, write]);
    const first = fresh.specsFor("member");
    expect(fresh.specsFor("member", ["read"])[0]).toBe(first[0]);
    expect(fresh.specsFor("viewer")[0]).toBe(first[0]);
    expect(first[0]?.parameters).toMatchObject({ type: "object" });
  });

  it("the engine refuses a call to a tool the run was not offered, without running it", async () => {
    const engine = new ToolEngine(registry);
    const before = runs;
    const refused = await engine.run({ id: "c1", name: "other", args: {} }, ctx("member", ["read"]), {
      approvedIds: new Set(),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: "permission_denied" }, suggestion: /read/ });
    expect(runs).toBe(before);
    const allowed = await engine.run({ id: "c2", name: "read", args: {} }, ctx("member", ["read"]), {
      approvedIds: new Set(),
    });
    expect(allowed).toEqual({ ok: true, data: before + 1 });
  });

  it("a call to a tool not offered asks no human (it is refused instead)", () => {
    expect(registry.needsApproval("write", {}, ctx("member"))).toBe(true);
    expect(registry.needsApproval("write", {}, ctx("member", ["read"]))).toBe(false);
  });
});
