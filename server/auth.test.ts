import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator, parseApiKeys } from "./auth.js";
import { signJwt } from "../test/jwt.js";

const headers = (h: Record<string, string>) => new Headers(h);
const bearer = (token: string) => headers({ authorization: `Bearer ${token}` });
const KEY_A = "key-a-0123456789abcdef";
const KEY_B = "key-b-0123456789abcdef";
const SECRET = "s3cret-for-tests-only-0123456789abcdef";
type AuthConfig = Parameters<typeof createAuthenticator>[0];
const jwtConfig = (over: Partial<NonNullable<AuthConfig["jwt"]>> = {}): AuthConfig["jwt"] => ({
  secret: SECRET,
  jwksUrl: undefined,
  issuer: undefined,
  audience: undefined,
  ...over,
});
const auth = (over: Partial<AuthConfig> = {}) =>
  createAuthenticator({
    apiKeys: `${KEY_A}:alice:member, ${KEY_B}:bob:viewer`,
    jwt: jwtConfig(),
    allowAnonymous: false,
    anonymousRole: "viewer",
    ...over,
  });
const now = () => Math.floor(Date.now() / 1000);

describe("API keys", () => {
  it("map a key to its user and role, from x-api-key or a bearer token", async () => {
    expect(await auth().authenticate(headers({ "x-api-key": KEY_A }))).toEqual({
      ok: true,
      principal: { userId: "alice", role: "member", via: "api_key" },
    });
    expect(await auth().authenticate(bearer(KEY_B))).toMatchObject({
      ok: true,
      principal: { userId: "bob", role: "viewer" },
    });
  });

  it("refuse missing and unknown keys", async () => {
    expect(await auth().authenticate(headers({}))).toEqual({ ok: false, reason: "missing" });
    expect(await auth().authenticate(headers({ "x-api-key": `${KEY_A}x` }))).toEqual({
      ok: false,
      reason: "unknown_key",
    });
  });

  it("reject malformed entries without echoing the key", () => {
    expect(() => parseApiKeys("short:alice:member")).toThrow(/entry 1 .*at least 16/);
    expect(() => parseApiKeys(`${KEY_A}:alice:root`)).toThrow(/role one of viewer, member, admin/);
    expect(() => parseApiKeys(`${KEY_A}:alice:root`)).not.toThrow(KEY_A);
  });

  // Which user is a key listed twice? The first entry won silently; now start-up stops instead.
  it("refuse one key listed twice, for two users or for one, naming the entries, not the key", () => {
    expect(() => parseApiKeys(`${KEY_A}:alice:member,${KEY_B}:bob:member,${KEY_A}:mallory:admin`)).toThrow(
      /AUTH_API_KEYS entries 1 and 3 use the same key/,
    );
    expect(() => parseApiKeys(`${KEY_A}:alice:member,${KEY_A}:alice:member`)).toThrow(/entries 1 and 2/);
    expect(() => parseApiKeys(`${KEY_A}:alice:member,${KEY_A}:bob:member`)).not.toThrow(KEY_A);
    // One user with two keys (rotation) is fine.
    expect(parseApiKeys(`${KEY_A}:alice:member,${KEY_B}:alice:member`)).toHaveLength(2);
  });

  it("refuse to build without any way to authenticate, unless anonymous is allowed", async () => {
    expect(() => auth({ apiKeys: "", jwt: undefined })).toThrow(/AUTH_API_KEYS/);
    const open = auth({ apiKeys: "", jwt: undefined, allowAnonymous: true });
    expect(await open.authenticate(headers({}))).toMatchObject({ ok: true, principal: { userId: "anonymous" } });
    // A key that is presented must still be valid, even when anonymous callers are allowed.
    expect(await open.authenticate(headers({ "x-api-key": KEY_A }))).toEqual({ ok: false, reason: "unknown_key" });
  });
});

describe("anonymous callers", () => {
  // They were members, able to run side-effect tools; least privilege makes them viewers.
  it("are viewers unless AUTH_ANONYMOUS_ROLE says otherwise", async () => {
    expect(await auth({ allowAnonymous: true }).authenticate(headers({}))).toEqual({
      ok: true,
      principal: { userId: "anonymous", role: "viewer", via: "anonymous" },
    });
    const members = auth({ allowAnonymous: true, anonymousRole: "member" });
    expect(await members.authenticate(headers({}))).toMatchObject({ principal: { role: "member" } });
  });

  it("beside keys or JWTs produce a start-up warning; alone (local use) they do not", () => {
    expect(auth().warnings).toEqual([]);
    expect(auth({ allowAnonymous: true }).warnings).toEqual([expect.stringMatching(/AUTH_ALLOW_ANONYMOUS=true/)]);
    expect(auth({ apiKeys: "", allowAnonymous: true }).warnings).toHaveLength(1);
    expect(auth({ apiKeys: "", jwt: undefined, allowAnonymous: true }).warnings).toEqual([]);
  });
});

describe("JWT secret at start-up", () => {
  // A short or repetitive HS256 secret can be brute-forced offline from any token: mint any user.
  it("refuses short or repetitive secrets, naming AUTH_JWT_SECRET and not the secret; 32 varied bytes pass", () => {
    for (const secret of ["%", "jwt-secret-for-the-api-tests", "a".repeat(31), "a".repeat(64), "abababab".repeat(8)]) {
      let error: unknown;
      try {
        auth({ jwt: jwtConfig({ secret }) });
      } catch (err) {
        error = err;
      }
      expect(String(error), secret).toMatch(/AUTH_JWT_SECRET (must be at least 32 bytes|repeats too few)/);
      expect(String(error), secret).not.toContain(secret);
    }
    expect(() => auth({ jwt: jwtConfig({ secret: "0123456789abcdef0123456789abcdef" }) })).not.toThrow();
  });
});

describe("HS256 JWTs", () => {
  const verify = (claims: Record<string, unknown>, secret = SECRET) =>
    auth().authenticate(bearer(signJwt(claims, secret)));

  it("accept a valid token: sub is the user, role defaults to member", async () => {
    expect(await verify({ sub: "carol", exp: now() + 60 })).toEqual({
      ok: true,
      principal: { userId: "carol", role: "member", via: "jwt" },
    });
    expect(await verify({ sub: "dan", role: "admin", iat: now(), nbf: now() })).toMatchObject({
      principal: { role: "admin" },
    });
  });

  it("refuse tampered, foreign, expired, not-yet-valid and alg=none tokens", async () => {
    const good = signJwt({ sub: "carol" }, SECRET);
    const [h, , s] = good.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: "admin", role: "admin" })).toString("base64url")}.${s}`;
    expect(await auth().authenticate(bearer(forged))).toEqual({ ok: false, reason: "signature" });
    expect(await verify({ sub: "carol" }, "another-secret-0123456789abcdefghij")).toEqual({
      ok: false,
      reason: "signature",
    });
    expect(await verify({ sub: "c", exp: now() - 60 })).toEqual({ ok: false, reason: "expired" });
    expect(await verify({ sub: "c", nbf: now() + 600 })).toEqual({ ok: false, reason: "not_yet_valid" });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    expect(await auth().authenticate(bearer(`${b64({ alg: "none" })}.${b64({ sub: "x" })}.`))).toMatchObject({
      ok: false,
    });
    expect(await auth().authenticate(bearer("a.b.c"))).toEqual({ ok: false, reason: "malformed" });
    // No usable subject, or a role outside viewer, member, admin.
    for (const claims of [
      {},
      { sub: "" },
      { sub: 42 },
      ...["root", null, ["admin"]].map((role) => ({ sub: "c", role })),
    ]) {
      expect(await verify(claims), JSON.stringify(claims)).toMatchObject({ ok: false });
    }
  });

  // The hand-written verifier skipped exp/nbf unless they were numbers: a string or null exp never expired.
  it.each([[{ exp: "1" }], [{ exp: null }], [{ nbf: "future" }], [{ iat: "now" }], [{ exp: [1] }]])(
    "refuse non-numeric time claims: %j",
    async (claims) => {
      expect(await verify({ sub: "carol", ...claims })).toEqual({ ok: false, reason: "claims" });
    },
  );

  it("refuse an exp of 1e400, which parses to Infinity: a token that never expires", async () => {
    expect(await auth().authenticate(bearer(signRaw('{"sub":"carol","exp":1e400}')))).toEqual({
      ok: false,
      reason: "claims",
    });
  });

  // A NUL in the subject became the owner of rows PostgreSQL rejects (a 500); it must be a 401.
  it.each([[{ sub: "car\u0000ol" }], [{ sub: "car\nol" }], [{ sub: "\ud800" }], [{ sub: "x".repeat(257) }]])(
    "refuse a subject with control characters, broken text or 257+ characters: %j",
    async (claims) => {
      expect(await verify(claims)).toEqual({ ok: false, reason: "claims" });
    },
  );

  it("check issuer and audience when configured", async () => {
    const pinned = auth({ jwt: jwtConfig({ issuer: "https://id.example", audience: "keel" }) });
    const as = (claims: Record<string, unknown>) => pinned.authenticate(bearer(signJwt(claims, SECRET)));
    expect(await as({ sub: "c", iss: "https://id.example", aud: ["x", "keel"] })).toMatchObject({ ok: true });
    expect(await as({ sub: "c", iss: "https://evil.example", aud: "keel" })).toEqual({ ok: false, reason: "issuer" });
    expect(await as({ sub: "c", aud: "keel" })).toEqual({ ok: false, reason: "issuer" });
    expect(await as({ sub: "c", iss: "https://id.example", aud: "other" })).toEqual({ ok: false, reason: "audience" });
  });
});

/** An HS256 token over an exact payload text (for values JSON.stringify cannot produce). */
function signRaw(payload: string): string {
  const head = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const body = Buffer.from(payload).toString("base64url");
  return `${head}.${body}.${createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url")}`;
}

describe("JWTs from an identity provider's JWKS (RS256, ES256)", () => {
  // A local JWKS endpoint: tests never reach the network.
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  const keys: Record<"rs" | "es" | "rogue", { privateKey: CryptoKey; jwk: JWK }> = {} as never;
  const ISS = "https://id.example";
  const AUD = "keel-api";

  beforeAll(async () => {
    for (const [name, alg] of [
      ["rs", "RS256"],
      ["es", "ES256"],
      ["rogue", "RS256"],
    ] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      keys[name] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: name, alg, use: "sig" } };
    }
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [keys.rs.jwk, keys.es.jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server?.close(() => r())));

  const idp = (over: Partial<NonNullable<AuthConfig["jwt"]>> = {}) =>
    auth({ jwt: jwtConfig({ secret: undefined, jwksUrl, issuer: ISS, audience: AUD, ...over }) });
  const sign = (key: "rs" | "es" | "rogue", claims: Record<string, unknown>, kid: string = key) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: keys[key].jwk.alg!, kid })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime("5m")
      .sign(keys[key].privateKey);

  it("accept RS256 and ES256 tokens signed with a published key", async () => {
    const verifier = idp();
    expect(await verifier.authenticate(bearer(await sign("rs", { sub: "erin", role: "viewer" })))).toEqual({
      ok: true,
      principal: { userId: "erin", role: "viewer", via: "jwt" },
    });
    expect(await verifier.authenticate(bearer(await sign("es", { sub: "finn" })))).toMatchObject({
      principal: { userId: "finn", role: "member" },
    });
    expect(fetches).toBeGreaterThan(0);
  });

  it("refuse an unpublished key, an HS256 token forged with the public key, and wrong issuer or audience", async () => {
    const verifier = idp();
    expect(await verifier.authenticate(bearer(await sign("rogue", { sub: "x" }, "rs")))).toEqual({
      ok: false,
      reason: "signature",
    });
    expect(await verifier.authenticate(bearer(await sign("rogue", { sub: "x" })))).toEqual({
      ok: false,
      reason: "signature",
    });
    // Key confusion: HS256 "signed" with the published key's text must not verify.
    const confused = signJwt({ sub: "x", iss: ISS, aud: AUD }, JSON.stringify(keys.rs.jwk));
    expect(await verifier.authenticate(bearer(confused))).toEqual({ ok: false, reason: "algorithm" });
    const other = idp({ audience: "another-app" });
    expect(await other.authenticate(bearer(await sign("rs", { sub: "x" })))).toEqual({
      ok: false,
      reason: "audience",
    });
  });

  it("with both a secret and a JWKS, accept each by its own algorithm", async () => {
    const both = idp({ secret: SECRET });
    expect(await both.authenticate(bearer(await sign("es", { sub: "gail" })))).toMatchObject({ ok: true });
    const hs = signJwt({ sub: "hal", iss: ISS, aud: AUD, exp: now() + 60 }, SECRET);
    expect(await both.authenticate(bearer(hs))).toMatchObject({ ok: true, principal: { userId: "hal" } });
  });

  it("answer a JWKS that cannot be fetched with a refusal, not an exception", async () => {
    const dead = idp({ jwksUrl: "http://127.0.0.1:9/jwks.json" });
    expect(await dead.authenticate(bearer(await sign("rs", { sub: "x" })))).toEqual({
      ok: false,
      reason: "jwks_unavailable",
    });
  });

  it("refuse at start-up a JWKS over plain http off localhost, or without issuer and audience", () => {
    expect(() => idp({ jwksUrl: "http://id.example/jwks.json" })).toThrow(/AUTH_JWKS_URL must be an https/);
    expect(() => idp({ issuer: undefined })).toThrow(/AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/);
    expect(() => idp({ audience: undefined })).toThrow(/AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/);
    expect(() => idp({ jwksUrl: "https://id.example/jwks.json" })).not.toThrow();
  });
});
