import { describe, expect, it } from "vitest";
import { randomish } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("SECRET: private members of JSON Web Keys", () => {
  it("finds the private values of EC, RSA and symmetric keys, not the public ones", () => {
    const d = randomish(43, 81, B64URL);
    const p = randomish(171, 82, B64URL);
    const k = randomish(22, 83, B64URL);
    const x = randomish(43, 84, B64URL);
    const jwks = `{"keys":[{"kty":"EC","crv":"P-256","x":"${x}","d":"${d}"},{"kty":"RSA","p": "${p}"},{"kty":"oct","k":"${k}"}]}`;
    expect(secrets(jwks)).toEqual([d, p, k]);
  });

  it("finds a member on its own line, as a pretty-printed key file has it", () => {
    const d = randomish(43, 85, B64URL);
    expect(secrets(`        "d": "${d}"`)).toEqual([d]);
  });

  it("ignores one-letter fields holding words, paths, short or padded values", () => {
    const text = [
      '{"d": "2024-06-01T12:00:00Z"}',
      '{"k": "display_name_for_the_key"}',
      '{"p": "/var/lib/app/config.json"}',
      `{"q": "${randomish(12, 86, B64URL)}"}`,
      `{"d": "${randomish(40, 87)}==", "kid": "1"}`,
      '{"kty": "RSA", "e": "AQAB"}',
    ].join("\n");
    expect(secrets(text)).toEqual([]);
  });
});
