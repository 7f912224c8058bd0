import { describe, expect, it } from "vitest";
import { redactDeep } from "./index.js";

describe("redactDeep", () => {
  it("redacts strings anywhere in nested objects and arrays, and leaves the input unchanged", () => {
    const input = { user: { name: "Jane", contact: ["jane@corp.example", { phone: "+44 20 7946 0958" }] }, n: 3 };
    const snapshot = structuredClone(input);
    expect(redactDeep(input)).toEqual({ user: { name: "Jane", contact: ["[EMAIL]", { phone: "[PHONE]" }] }, n: 3 });
    expect(input).toEqual(snapshot);
  });

  it("replaces values under secret-named keys whatever they look like", () => {
    const out = redactDeep({
      password: "x",
      apiKey: 1234,
      client_secret: { nested: true },
      headers: { Authorization: "Basic Zm9vOmJhcg==", cookie: "sid=1", "X-Api-Key": "k" },
      hasPassword: true,
      token: null,
    });
    expect(out).toEqual({
      password: "[SECRET]",
      apiKey: "[SECRET]",
      client_secret: "[SECRET]",
      headers: { Authorization: "[SECRET]", cookie: "[SECRET]", "X-Api-Key": "[SECRET]" },
      hasPassword: true,
      token: null,
    });
  });

  it("keeps fields that only describe secrets or count tokens", () => {
    const usage = { prompt_tokens: 12, max_tokens: 4096, tokenizer: "cl100k", password_hint: "pet", key: "a" };
    expect(redactDeep(usage)).toEqual(usage);
  });

  it("honours extra secret key names and the chosen strategy", () => {
    expect(redactDeep({ pin: "1234", mail: "a@b.example" }, { secretKeys: ["PIN"], strategy: "mask" })).toEqual({
      pin: "********",
      mail: "a***@b.example",
    });
    const hashed = redactDeep({ password: "same" }, { strategy: "hash", hashKey: "k" }) as { password: string };
    expect(hashed.password).toMatch(/^\[SECRET:[0-9a-f]{8}\]$/);
    expect(redactDeep({ pw: "same" }, { strategy: "hash", hashKey: "k" })).toEqual({ pw: hashed.password });
  });

  it("copies cycles and shared references once, keeping their shape", () => {
    const shared = { email: "x@y.example" };
    const root: Record<string, unknown> = { a: shared, b: shared };
    root["self"] = root;
    const out = redactDeep(root) as Record<string, unknown>;
    expect(out["self"]).toBe(out);
    expect(out["a"]).toBe(out["b"]);
    expect(out["a"]).toEqual({ email: "[EMAIL]" });
    expect(out).not.toBe(root);
  });

  it("stops at the depth limit", () => {
    let deep: Record<string, unknown> = { email: "x@y.example" };
    for (let i = 0; i < 10; i++) deep = { child: deep };
    let node = redactDeep(deep, { maxDepth: 3 }) as Record<string, unknown>;
    for (let i = 0; i < 3; i++) node = node["child"] as Record<string, unknown>;
    expect(node).toBe("[MAX_DEPTH]");
  });

  it("handles errors, maps, sets, dates, keys holding PII and long integers", () => {
    const err = Object.assign(new Error("failed for bob@corp.example"), { code: "E1" });
    const out = redactDeep({
      err,
      map: new Map([
        ["token", "abc"],
        ["who", "bob@corp.example"],
      ]),
      set: new Set(["10.0.0.1"]),
      when: new Date(0),
      byUser: { "bob@corp.example": 1 },
      card: 4111111111111111,
      count: 4111,
    }) as Record<string, unknown>;
    const e = out["err"] as Error & { code: string };
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe("failed for [EMAIL]");
    expect(e.stack).not.toContain("bob@corp.example");
    expect(e.code).toBe("E1");
    expect(out["map"]).toEqual(
      new Map([
        ["token", "[SECRET]"],
        ["who", "[EMAIL]"],
      ]),
    );
    expect(out["set"]).toEqual(new Set(["[IP_ADDRESS]"]));
    expect(out["when"]).toEqual(new Date(0));
    expect(out["byUser"]).toEqual({ "[EMAIL]": 1 });
    expect(out["card"]).toBe("[CREDIT_CARD]");
    expect(out["count"]).toBe(4111);
  });

  it("uses toJSON like JSON.stringify would", () => {
    class Account {
      constructor(private readonly email: string) {}
      toJSON() {
        return { owner: this.email };
      }
    }
    expect(redactDeep({ account: new Account("ann@corp.example") })).toEqual({ account: { owner: "[EMAIL]" } });
  });
});
