import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));

describe("SECRET: a secret written next to its key id", () => {
  const id = token("LT", "AI", randomish(20, 71));
  const secret = randomish(30, 72);

  it.each([
    ["as call arguments", (i: string, s: string) => `client(${i}, ${s})`],
    ["as id:secret", (i: string, s: string) => `${i}:${s}`],
    ["as a CSV row", (i: string, s: string) => `prod,"${i}","${s}"`],
  ])("finds an Alibaba Cloud AccessKey secret %s", (_name, write) => {
    expect(secrets(write(id, secret))).toEqual([id, secret]);
  });

  it("ignores what follows the id when it is not a 30-character random string", () => {
    expect(secrets(`${id}, ${randomish(29, 73)}`)).toEqual([id]);
    expect(secrets(`${id}, ${"abcdefghij".repeat(3)}`)).toEqual([id]);
    expect(secrets(`${id} is the key id of ${randomish(30, 74)}`)).toEqual([id]);
  });
});
