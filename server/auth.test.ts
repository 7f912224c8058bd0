import { describe, expect, it } from "vitest";
import { createAuthenticator, parseApiKeys } from "./auth.js";
import { signJwt, verifyJwt } from "./jwt.js";

const headers = (h: Record<string, string>) => new Headers(h);
const KEY_A = "key-a-0123456789abcdef";
const KEY_B = "key-b-0123456789abcdef";
const auth = (over: Partial<Parameters<typeof createAuthenticator>[0]> = {}) =>
  createAuthenticator({
    apiKeys: `${KEY_A}:alice:member, ${KEY_B}:bob:viewer`,
    jwt: { secret: "s3cret-for-tests-only", issuer: undefined, audience: undefined },
    allowAnonymous: false,
    ...over,
  });

describe("API keys", () => {
  it("map a key to its user and role, from x-api-key or a bearer token", () => {
    expect(auth().authenticate(headers({ "x-api-key": KEY_A }))).toEqual({
      ok: true,
      principal: { userId: "alice", role: "member", via: "api_key" },
    });
    expect(auth().authenticate(headers({ authorization: `Bearer ${KEY_B}` }))).toMatchObject({
      ok: true,
      principal: { userId: "bob", role: "viewer" },
    });
  });

  it("refuse missing and unknown keys", () => {
    expect(auth().authenticate(headers({}))).toEqual({ ok: false, reason: "missing" });
    expect(auth().authenticate(headers({ "x-api-key": `${KEY_A}x` }))).toEqual({ ok: false, reason: "unknown_key" });
  });

  it("reject malformed entries without echoing the key", () => {
    expect(() => parseApiKeys("short:alice:member")).toThrow(/entry 1 .*at least 16/);
    expect(() => parseApiKeys(`${KEY_A}:alice:root`)).toThrow(/role one of viewer, member, admin/);
    try {
      parseApiKeys(`${KEY_A}:alice:root`);
    } catch (err) {
      expect(String(err)).not.toContain(KEY_A);
    }
  });

  it("refuse to build without any way to authenticate, unless anonymous is allowed", () => {
    expect(() => createAuthenticator({ apiKeys: "", jwt: undefined, allowAnonymous: false })).toThrow(/AUTH_API_KEYS/);
    const open = createAuthenticator({ apiKeys: "", jwt: undefined, allowAnonymous: true });
    expect(open.authenticate(headers({}))).toMatchObject({ ok: true, principal: { userId: "anonymous" } });
    // A key that is presented must still be valid, even when anonymous callers are allowed.
    expect(open.authenticate(headers({ "x-api-key": KEY_A }))).toEqual({ ok: false, reason: "unknown_key" });
  });
});

describe("JWTs", () => {
  const secret = "s3cret-for-tests-only";
  it("accept a valid HS256 token: sub is the user, role defaults to member", () => {
    const token = signJwt({ sub: "carol", exp: Math.floor(Date.now() / 1000) + 60 }, secret);
    expect(auth().authenticate(headers({ authorization: `Bearer ${token}` }))).toEqual({
      ok: true,
      principal: { userId: "carol", role: "member", via: "jwt" },
    });
    const admin = signJwt({ sub: "dan", role: "admin" }, secret);
    expect(auth().authenticate(headers({ authorization: `Bearer ${admin}` }))).toMatchObject({
      principal: { role: "admin" },
    });
  });

  it("refuse tampered, foreign, expired, alg=none and role-less-subject tokens", () => {
    const good = signJwt({ sub: "carol" }, secret);
    const [h, , s] = good.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: "admin", role: "admin" })).toString("base64url")}.${s}`;
    expect(verifyJwt(forged, { secret })).toEqual({ ok: false, reason: "signature" });
    expect(verifyJwt(signJwt({ sub: "carol" }, "another-secret"), { secret })).toEqual({
      ok: false,
      reason: "signature",
    });
    expect(verifyJwt(signJwt({ sub: "c", exp: 1000 }, secret), { secret, nowSeconds: 2000 })).toEqual({
      ok: false,
      reason: "expired",
    });
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"x"}').toString("base64url")}.`;
    expect(verifyJwt(none, { secret })).toEqual({ ok: false, reason: "algorithm" });
    expect(auth().authenticate(headers({ authorization: `Bearer ${signJwt({ role: "admin" }, secret)}` }))).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(
      auth().authenticate(headers({ authorization: `Bearer ${signJwt({ sub: "x", role: "root" }, secret)}` })),
    ).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("check issuer and audience when configured", () => {
    const check = { secret, issuer: "https://id.example", audience: "keel" };
    expect(verifyJwt(signJwt({ sub: "c", iss: "https://id.example", aud: ["x", "keel"] }, secret), check).ok).toBe(
      true,
    );
    expect(verifyJwt(signJwt({ sub: "c", iss: "https://evil.example", aud: "keel" }, secret), check)).toEqual({
      ok: false,
      reason: "issuer",
    });
    expect(verifyJwt(signJwt({ sub: "c", iss: "https://id.example", aud: "other" }, secret), check)).toEqual({
      ok: false,
      reason: "audience",
    });
  });
});
