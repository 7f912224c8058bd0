import { describe, expect, it } from "vitest";
import { lockKeyOf } from "./thread-lock.js";

describe("lockKeyOf", () => {
  it("maps a thread id to a signed 64-bit key from its first 16 hex digits", () => {
    expect(lockKeyOf("00000000-0000-0001-ffff-ffffffffffff")).toBe("1");
    expect(lockKeyOf("ffffffff-ffff-ffff-0000-000000000000")).toBe("-1");
    expect(lockKeyOf("7fffffff-ffff-ffff-0000-000000000000")).toBe("9223372036854775807");
    // Different threads, different keys; the same thread, the same key.
    const a = crypto.randomUUID();
    expect(lockKeyOf(a)).toBe(lockKeyOf(a.toUpperCase()));
    expect(lockKeyOf(a)).not.toBe(lockKeyOf(crypto.randomUUID()));
  });

  it("refuses what is not a uuid", () => {
    expect(() => lockKeyOf("not-a-uuid")).toThrow(/not a uuid/);
  });
});
