import { describe, expect, it } from "vitest";
import { findBodyProblem, isStorableString, MAX_JSON_DEPTH } from "./body-guard.js";

describe("findBodyProblem", () => {
  it("accepts ordinary bodies, surrogate pairs, and constructor/prototype keys", () => {
    expect(findBodyProblem({ metadata: { emoji: "\ud83d\ude00", constructor: { prototype: 1 } }, n: [1, null] })).toBe(
      undefined,
    );
    expect(findBodyProblem("plain")).toBe(undefined);
  });

  it("names the field holding a NUL or an unpaired surrogate, in values and in keys", () => {
    expect(findBodyProblem({ input: { messages: [{ content: "a\u0000" }] } })).toEqual({
      path: "input.messages.0.content",
      message: expect.stringContaining("NUL") as string,
    });
    expect(findBodyProblem({ a: "x\ud800" })?.path).toBe("a");
    expect(findBodyProblem({ a: "\udc00x" })?.path).toBe("a");
    expect(findBodyProblem({ metadata: { ["k\u0000"]: 1 } })?.path).toBe("metadata");
    expect(isStorableString("\ud83d\ude00")).toBe(true);
    expect(isStorableString("\ude00\ud83d")).toBe(false);
  });

  it("refuses a __proto__ key at any depth (a parsed body holds it as an own property)", () => {
    const body = JSON.parse('{"metadata":{"a":{"__proto__":{"polluted":true}}}}') as unknown;
    expect(findBodyProblem(body)).toEqual({ path: "metadata.a.__proto__", message: expect.any(String) as string });
  });

  it("refuses deep nesting without recursing, however deep", () => {
    const deep = JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`) as unknown;
    expect(findBodyProblem(deep)?.message).toMatch(`deeper than ${MAX_JSON_DEPTH}`);
    let ok: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = { a: ok };
    expect(findBodyProblem(ok)).toBe(undefined);
    expect(findBodyProblem({ a: ok })?.message).toMatch(/deeper/);
  });
});
