import { describe, expect, it } from "vitest";
import { parseHITLResponse } from "./approval-schema.js";

const request = {
  actionRequests: [
    { name: "outbox_send", args: { to: "a@b.c" } },
    { name: "calculator", args: {} },
  ],
};

describe("parseHITLResponse", () => {
  it("accepts one decision per action, in order", () => {
    const parsed = parseHITLResponse({ decisions: [{ type: "approve" }, { type: "reject", message: "no" }] }, request);
    expect(parsed).toEqual({ ok: true, decisions: [{ type: "approve" }, { type: "reject", message: "no" }] });
  });

  it("refuses a wrong number of decisions", () => {
    const parsed = parseHITLResponse({ decisions: [{ type: "approve" }] }, request);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain("Expected 2 decisions, got 1");
  });

  it("with partial, takes fewer decisions (at least one) as answers to the first calls", () => {
    expect(parseHITLResponse({ decisions: [{ type: "approve" }] }, request, { partial: true })).toEqual({
      ok: true,
      decisions: [{ type: "approve" }],
    });
    expect(parseHITLResponse({ decisions: [] }, request, { partial: true }).ok).toBe(false);
    const tooMany = parseHITLResponse(
      { decisions: [{ type: "approve" }, { type: "approve" }, { type: "approve" }] },
      request,
      {
        partial: true,
      },
    );
    expect(!tooMany.ok && tooMany.error).toContain("Expected 2 decisions, got 3");
    const rename = parseHITLResponse(
      { decisions: [{ type: "edit", editedAction: { name: "calculator", args: {} } }] },
      request,
      {
        partial: true,
      },
    );
    expect(!rename.ok && rename.error).toContain("may change arguments only");
  });

  it("refuses unknown decision types and non-objects", () => {
    expect(parseHITLResponse({ decisions: [{ type: "maybe" }, { type: "approve" }] }, request).ok).toBe(false);
    expect(parseHITLResponse("yes", request).ok).toBe(false);
  });

  it("lets an edit change arguments but not the tool", () => {
    const rename = parseHITLResponse(
      { decisions: [{ type: "edit", editedAction: { name: "calculator", args: {} } }, { type: "approve" }] },
      request,
    );
    expect(!rename.ok && rename.error).toContain("may change arguments only");
    const edit = parseHITLResponse(
      {
        decisions: [
          { type: "edit", editedAction: { name: "outbox_send", args: { to: "x@y.z" } } },
          { type: "approve" },
        ],
      },
      request,
    );
    expect(edit.ok).toBe(true);
  });

  it("reads agent-chat-ui's snake_case edit as an edit", () => {
    const args = { to: "x@y.z" };
    const parsed = parseHITLResponse(
      { decisions: [{ type: "edit", edited_action: { name: "outbox_send", args } }, { type: "approve" }] },
      request,
    );
    expect(parsed).toEqual({
      ok: true,
      decisions: [{ type: "edit", editedAction: { name: "outbox_send", args } }, { type: "approve" }],
    });
    const renamed = parseHITLResponse(
      { decisions: [{ type: "edit", edited_action: { name: "calculator", args: {} } }, { type: "approve" }] },
      request,
    );
    expect(!renamed.ok && renamed.error).toContain("may change arguments only");
  });
});
