import { createHash, timingSafeEqual } from "node:crypto";
import { ROLES, type Role } from "../tools/types.js";
import type { KeelConfig } from "../runtime/config.js";
import { KeelError } from "../runtime/errors.js";
import { createJwtVerifier, type JwtFailure } from "./jwt.js";

/** Who is calling: every thread belongs to a user id, and the role feeds the tool permissions. */
export interface Principal {
  userId: string;
  role: Role;
  via: "api_key" | "jwt" | "anonymous";
}

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; reason: "missing" | "unknown_key" | JwtFailure };

export interface Authenticator {
  authenticate(headers: { get(name: string): string | null | undefined }): Promise<AuthResult>;
  /** Start-up warnings about the configuration (logged by the server once its logger is up). */
  readonly warnings: readonly string[];
}

interface KeyEntry {
  digest: Buffer;
  userId: string;
  role: Role;
}

/** Shortest HS256 secret accepted: the hash's output size (RFC 7518 §3.2). */
export const MIN_JWT_SECRET_BYTES = 32;
const MIN_KEY_CHARS = 16;

const digestOf = (key: string): Buffer => createHash("sha256").update(key).digest();
const isRole = (r: unknown): r is Role => typeof r === "string" && (ROLES as readonly string[]).includes(r);
const configError = (message: string) => new KeelError("config_invalid", message);

/**
 * `key:user_id:role,…` → entries. A malformed entry, or a key listed twice (for one user or two),
 * stops start-up naming the positions, never the key.
 */
export function parseApiKeys(raw: string): KeyEntry[] {
  const entries = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const seen = new Map<string, number>();
  return entries.map((entry, i) => {
    const [key, userId, role = "member", ...rest] = entry.split(":");
    if (!key || key.length < MIN_KEY_CHARS || !userId || rest.length > 0 || !isRole(role)) {
      throw configError(
        `AUTH_API_KEYS entry ${i + 1} must be key:user_id:role with a key of at least ${MIN_KEY_CHARS} characters and role one of ${ROLES.join(", ")}`,
      );
    }
    const digest = digestOf(key);
    const first = seen.get(digest.toString("hex"));
    // Which user would a shared key be? Whichever came first: refuse rather than guess.
    if (first !== undefined) {
      throw configError(`AUTH_API_KEYS entries ${first} and ${i + 1} use the same key: give every entry its own key`);
    }
    seen.set(digest.toString("hex"), i + 1);
    return { digest, userId, role };
  });
}

/** Refuses a guessable HS256 secret: anyone who guesses it can mint tokens for any user and role. */
export function checkJwtSecret(secret: string): void {
  if (Buffer.byteLength(secret, "utf8") < MIN_JWT_SECRET_BYTES) {
    throw configError(
      `AUTH_JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes (generate one with: openssl rand -hex 32)`,
    );
  }
  if (new Set(secret).size < 8) {
    throw configError(
      "AUTH_JWT_SECRET repeats too few characters to be a secret (generate one with: openssl rand -hex 32)",
    );
  }
}

/**
 * Public keys fetched over plain HTTP could be swapped on the way; only loopback may use it (local
 * identity providers, tests). Tokens from a shared identity provider are signed with the same keys
 * for every application and tenant, so issuer and audience must be pinned.
 */
function checkJwks(config: NonNullable<KeelConfig["auth"]["jwt"]>): void {
  if (config.jwksUrl === undefined) return;
  const url = new URL(config.jwksUrl);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw configError("AUTH_JWKS_URL must be an https:// URL (plain http only on localhost)");
  }
  if (config.issuer === undefined || config.audience === undefined) {
    throw configError(
      "AUTH_JWKS_URL needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE: an identity provider signs tokens for other applications with the same keys",
    );
  }
}

/** A user id taken from a token: a non-empty string of printable, well-formed text, at most 256 long. */
function isUserId(sub: unknown): sub is string {
  return (
    typeof sub === "string" &&
    sub.length > 0 &&
    sub.length <= 256 &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f-\u009f]/.test(sub) &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(sub)
  );
}

/**
 * API keys (x-api-key or Authorization: Bearer) and JWTs (Authorization: Bearer; HS256 with
 * AUTH_JWT_SECRET, RS256/ES256 with AUTH_JWKS_URL, verified by jose). Keys are compared as SHA-256
 * digests in constant time, so neither timing nor the stored form leaks them. Throws a config error
 * for weak or ambiguous credentials, so a misconfigured server never starts.
 */
export function createAuthenticator(config: KeelConfig["auth"]): Authenticator {
  const keys = parseApiKeys(config.apiKeys);
  if (config.jwt?.secret !== undefined) checkJwtSecret(config.jwt.secret);
  if (config.jwt) checkJwks(config.jwt);
  const jwt =
    config.jwt && (config.jwt.secret !== undefined || config.jwt.jwksUrl !== undefined) ? config.jwt : undefined;
  if (keys.length === 0 && !jwt && !config.allowAnonymous) {
    throw configError(
      "The API server needs callers: set AUTH_API_KEYS (key:user_id:role,…), AUTH_JWT_SECRET or AUTH_JWKS_URL, or AUTH_ALLOW_ANONYMOUS=true for local use.",
    );
  }
  const warnings: string[] = [];
  if (config.allowAnonymous && (keys.length > 0 || jwt)) {
    warnings.push(
      `AUTH_ALLOW_ANONYMOUS=true beside API keys or JWTs: any request without credentials is served as user "anonymous" (role ${config.anonymousRole}, AUTH_ANONYMOUS_ROLE). Unset it unless that is intended.`,
    );
  }
  const verify = jwt ? createJwtVerifier(jwt) : undefined;
  const byKey = (presented: string): KeyEntry | undefined => {
    const digest = digestOf(presented);
    // Check every entry so the time taken does not depend on which one matched.
    let found: KeyEntry | undefined;
    for (const entry of keys) if (timingSafeEqual(entry.digest, digest)) found ??= entry;
    return found;
  };
  return {
    warnings,
    async authenticate(headers) {
      const apiKey = headers.get("x-api-key")?.trim();
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization")?.trim() ?? "")?.[1];
      const presented = apiKey || bearer;
      if (!presented) {
        return config.allowAnonymous
          ? { ok: true, principal: { userId: "anonymous", role: config.anonymousRole, via: "anonymous" } }
          : { ok: false, reason: "missing" };
      }
      const entry = byKey(presented);
      if (entry) return { ok: true, principal: { userId: entry.userId, role: entry.role, via: "api_key" } };
      if (!apiKey && verify && presented.split(".").length === 3) {
        const result = await verify(presented);
        if (!result.ok) return result;
        const { sub, role = "member" } = result.claims as { sub?: unknown; role?: unknown };
        // A NUL or control character in the subject would become the owner of rows: 401, not 500.
        if (!isUserId(sub) || !isRole(role)) return { ok: false, reason: "claims" };
        return { ok: true, principal: { userId: sub, role, via: "jwt" } };
      }
      return { ok: false, reason: "unknown_key" };
    },
  };
}
