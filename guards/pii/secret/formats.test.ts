import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const UPPER32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

describe("SECRET: published token formats", () => {
  const cases: Array<[string, string]> = [
    ["AWS access key id", token("AK", "IA", randomish(16, 3, UPPER32))],
    ["GitHub classic token", token("gh", "p_", randomish(36, 4))],
    ["GitHub fine-grained token", token("github", "_pat_", randomish(82, 5))],
    ["GitLab personal token", token("gl", "pat-", randomish(20, 6))],
    ["Slack bot token", token("xo", "xb-", "391809548274-4236212766789-", randomish(24, 7))],
    ["project-scoped sk- key", token("sk", "-proj-", randomish(48, 8))],
    ["sk-ant- key", token("sk-", "ant-api03-", randomish(93, 9, B64URL))],
    ["Stripe secret key", token("sk", "_live_", randomish(24, 10))],
    ["Google API key", token("AI", "za", randomish(35, 11, B64URL))],
    ["npm token", token("np", "m_", randomish(36, 12))],
    ["Hugging Face token", token("h", "f_", randomish(34, 13, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))],
    ["Telegram bot token", token("5086", "27689:AA", randomish(33, 14, B64URL))],
    ["PostHog project key", token("ph", "c_", randomish(43, 131))],
    ["PostHog personal key", token("ph", "x_", randomish(47, 132))],
    ["WunderGraph Cosmo key", token("cos", "mo_", randomish(32, 133, "0123456789abcdef"))],
    ["Salesforce consumer key", token("3M", "VG9", randomish(40, 134), ".", randomish(40, 135))],
    ["WeChat app id", token("w", "x", randomish(16, 136, "0123456789abcdef"))],
  ];

  it.each(cases)("finds a %s in text", (_name, value) => {
    expect(secrets(`deploy with ${value} now`)).toEqual([value]);
  });

  it("finds a JSON Web Token", () => {
    const jwt = token("eyJhbGciOiJIUzI1NiJ9", ".", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", ".", randomish(43, 15, B64URL));
    expect(secrets(`Authorization header was ${jwt}.`)).toEqual([jwt]);
  });

  it("finds a token right after a terminal colour code", () => {
    const key = token("sk", "-", randomish(32, 16, "0123456789abcdef"));
    expect(secrets(`>>>\u001b[93m${key}\u001b[0m<<<`)).toEqual([key]);
  });

  it("ignores illustrative keys and prefixes glued to words", () => {
    const fakes = [
      token("gh", "p_", "0123456789", randomish(26, 17)),
      token("AK", "IA", "IOSFODNN7EXAMPLE"),
      token("sk", "-", "learn-compatible-estimator-wrapper"),
      token("task", "-", randomish(30, 18)),
      token("x", "gh", "p_", randomish(36, 19)),
      token("w", "x", "123456", randomish(10, 137, "0123456789abcdef")),
      token("w", "x", "ffff", randomish(12, 138, "0123456789")),
      token("w", "x", "0123456789abcdef0"),
      token("cos", "mo_", "abcdef", randomish(26, 139, "0123456789abcdef")),
      token("ph", "c_", randomish(20, 140)),
    ];
    for (const fake of fakes) expect(secrets(`value ${fake} here`)).toEqual([]);
  });
});

describe("SECRET: private keys", () => {
  const body = [randomish(64, 20, B64), randomish(64, 21, B64), `${randomish(20, 22)}==`].join("\n");
  const block = token("-----BEGIN RSA ", "PRIVATE KEY-----\n", body, "\n-----END RSA PRIVATE KEY-----");

  it("takes the whole PEM block as one span", () => {
    expect(secrets(`key:\n${block}\nthanks`)).toEqual([block]);
  });

  it("still covers a truncated block and a header alone", () => {
    const truncated = block.slice(0, block.indexOf("\n-----END"));
    expect(secrets(`${truncated}\n\nnext paragraph`)).toEqual([truncated]);
    expect(secrets("const k = `-----BEGIN OPENSSH PRIVATE KEY-----`")).toEqual(["-----BEGIN OPENSSH PRIVATE KEY-----"]);
  });

  it("leaves public keys and certificates alone", () => {
    const pub = `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`;
    const cert = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
    expect(secrets(`${pub}\n${cert}`)).toEqual([]);
  });
});

describe("SECRET: credentials in URLs", () => {
  it("takes the password only, with e-mail user names too", () => {
    expect(secrets("DATABASE_URL=postgres://app:Zk9v2Qp7Lm@db.internal:5432/app")).toEqual(["Zk9v2Qp7Lm"]);
    expect(secrets("smtps://me@example.com:Hq4Tx81bnW@smtp.example.com:465")).toEqual(["Hq4Tx81bnW"]);
  });

  it("ignores URLs without a password and templated ones", () => {
    expect(secrets("https://user@example.com/path and https://example.com:8443/x")).toEqual([]);
    expect(secrets("postgres://app:${DB_PASSWORD}@db:5432/app")).toEqual([]);
  });
});
