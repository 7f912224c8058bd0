import { describe, expect, it } from "vitest";
import { z } from "zod";
import { randomish, token } from "../guards/pii/fake-secrets.js";
import { defineTool } from "./define.js";
import { scanEgress } from "./egress.js";
import { ToolRegistry } from "./registry.js";

const SECRET = token("ghp_", randomish(36, 3));
const caller = { userId: "u", role: "member" as const, threadId: "t" };

describe("scanEgress", () => {
  it("finds a secret in a query string, plain or percent-encoded, in nested args", () => {
    expect(scanEgress({ url: `https://a.example.test/?token=${SECRET}` }).secrets).toBe(1);
    const encoded = [...SECRET].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("");
    expect(scanEgress({ url: `https://a.example.test/?t=${encoded}` }).secrets).toBe(1);
    expect(scanEgress({ headers: [{ value: `Bearer ${SECRET}` }] }).secrets).toBe(1);
  });

  it("reports personal data by type, and ignores IP addresses (destinations, judged elsewhere)", () => {
    expect(scanEgress({ url: "https://a.example.test/?who=alice%40example.com" })).toEqual({
      secrets: 0,
      pii: ["EMAIL"],
    });
    expect(scanEgress({ url: "https://93.184.216.34/page?id=12345" })).toEqual({ secrets: 0, pii: [] });
  });
});

describe("egress policy in the registry", () => {
  const send = defineTool({
    name: "send",
    description: "sends text out",
    schema: z.object({ text: z.string() }),
    policy: { risk: "external", needsApproval: false },
    handler: async () => "sent",
  });
  const local = defineTool({
    name: "note",
    description: "keeps a note",
    schema: z.object({ text: z.string() }),
    handler: async () => "kept",
  });
  const registry = new ToolRegistry([send, local]);

  it("external tools are egress by default; personal data needs approval, a secret needs none (it is refused)", () => {
    expect(send.policy.egress).toBe(true);
    expect(registry.needsApproval("send", { text: "hello" }, caller)).toBe(false);
    expect(registry.needsApproval("send", { text: "mail bob@example.com" }, caller)).toBe(true);
    expect(registry.needsApproval("send", { text: SECRET }, caller)).toBe(false);
    expect(registry.egressFindings("send", { text: SECRET })?.secrets).toBe(1);
  });

  it("tools that keep data inside are not scanned", () => {
    expect(local.policy.egress).toBe(false);
    expect(registry.egressFindings("note", { text: SECRET })).toBeUndefined();
  });
});
