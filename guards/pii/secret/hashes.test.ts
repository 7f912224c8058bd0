import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const CRYPT = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX = "0123456789abcdef";
const c = (n: number, seed: number) => randomish(n, seed, CRYPT);

describe("SECRET: password hashes", () => {
  const cases: Array<[string, string]> = [
    ["bcrypt $2b$", token("$2", "b$12$", c(53, 1))],
    ["bcrypt $2a$", token("$2", "a$10$", c(53, 2))],
    ["bcrypt $2y$ (PHP)", token("$2", "y$11$", c(53, 3))],
    ["md5-crypt", token("$", "1$", c(8, 4), "$", c(22, 5))],
    ["htpasswd apr1", token("$ap", "r1$", c(8, 6), "$", c(22, 7))],
    ["sha256-crypt", token("$", "5$", c(16, 8), "$", c(43, 9))],
    ["sha512-crypt", token("$", "6$", c(16, 10), "$", c(86, 11))],
    ["sha512-crypt with rounds", token("$", "6$rounds=5000$", c(16, 12), "$", c(86, 13))],
    ["yescrypt", token("$", "y$j9T$", c(24, 14), "$", c(43, 15))],
    ["argon2id", token("$argon", "2id$v=19$m=65536,t=3,p=4$", randomish(22, 16, B64), "$", randomish(43, 17, B64))],
    ["Django pbkdf2_sha256", token("pbkdf2_", "sha256$600000$", randomish(22, 18), "$", randomish(43, 19, B64), "=")],
    ["Werkzeug pbkdf2", token("pbkdf2:", "sha256:600000$", randomish(16, 20), "$", randomish(64, 21, HEX))],
    ["LDAP {SSHA}", token("{SS", "HA}", randomish(32, 22, B64))],
    ["MySQL native", token("*", randomish(40, 23, "0123456789ABCDEF"))],
  ];

  it.each(cases)("finds a %s hash", (_name, value) => {
    expect(secrets(`stored as ${value} in the table`)).toEqual([value]);
  });

  it("finds hashes in shadow and htpasswd lines", () => {
    const shadow = token("$", "6$", c(16, 30), "$", c(86, 31));
    expect(secrets(`root:${shadow}:19000:0:99999:7:::`)).toEqual([shadow]);
    const apr = token("$ap", "r1$", c(8, 32), "$", c(22, 33));
    expect(secrets(`admin:${apr}`)).toEqual([apr]);
  });

  it.each([
    ["prefix alone", "the $2b$ prefix marks bcrypt, $6$ marks sha512-crypt"],
    ["placeholder digest", token("$2", "b$12$", "x".repeat(53))],
    ["wrong length", token("$", "1$", c(8, 40), "$", c(21, 41))],
    ["too long", token("$2", "b$12$", c(60, 42))],
    ["money", "costs $1$ or $6$ per month"],
    ["glued to a word", token("abc$", "1$", c(8, 43), "$", c(22, 44))],
    ["file digest", "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ])("ignores %s", (_name, text) => {
    expect(secrets(text)).toEqual([]);
  });
});
